import type { OutputChunk } from '@sessionboard/protocol';
import { OUTPUT_PALETTES, hexToRgb, mixRgb, readableColor, rgbToHex, xtermRgb } from './ansiColors.ts';
import type { OutputTheme, Rgb } from './ansiColors.ts';
import type { AnsiColor, AnsiStyle } from './createAnsiParser.ts';

/** How a span of output is drawn: classes, and the custom properties they read. Never an inline `style` attribute in HTML. */
export interface OutputSpanStyle {
  /** Space-separated: `ansi-fg`/`ansi-bg` when a colour is set (plus its name, e.g. `ansi-red-fg`, `ansi-bright-blue-bg`, `ansi-palette-fg`, `ansi-truecolor-fg`), and `ansi-bold`, `ansi-italic`, `ansi-underline`, `ansi-strikethrough`, `ansi-dim`, `ansi-hidden`. */
  readonly className: string;
  /**
   * `--ansi-fg-light`, `--ansi-fg-dark`, `--ansi-bg-light`, `--ansi-bg-dark`: the colours in
   * each theme, text made readable (4.5:1) on what is behind it; bound with Vue's `:style`,
   * which sets them through the CSSOM (the page's CSP forbids inline style attributes).
   */
  readonly vars: Readonly<Record<string, string>> | null;
}

const NAMES = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];
const THEMES: readonly OutputTheme[] = ['light', 'dark'];
/** How far `dim` moves a colour towards the background, before contrast pulls it back. */
const DIM_MIX = 0.45;

/** Distinct styles remembered; true-colour gradients could otherwise make it grow without end. */
const MAX_CACHED = 4096;
const cache = new Map<string, OutputSpanStyle>();

/** The span style of `style` on `stream` (stdout and stderr have different backgrounds). Memoised: equal styles share one object. */
export function styleAnsiRun(style: AnsiStyle, stream: OutputChunk['stream']): OutputSpanStyle {
  const key = `${stream}|${colorKey(style.fg)}|${colorKey(style.bg)}|${style.bold ? 'b' : ''}${style.dim ? 'd' : ''}${style.italic ? 'i' : ''}${style.underline ? 'u' : ''}${style.strikethrough ? 's' : ''}${style.hidden ? 'h' : ''}`;
  let result = cache.get(key);
  if (result === undefined) {
    result = build(style, stream);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, result);
  }
  return result;
}

function build(style: AnsiStyle, stream: OutputChunk['stream']): OutputSpanStyle {
  const classes: string[] = [];
  let vars: Record<string, string> | null = null;
  // Colours are worked out whenever the text's colour is not the plain one: a colour, a
  // background (the text must read on it) or dim (a fainter text colour, still readable).
  if (style.fg !== null || style.bg !== null || style.dim) {
    vars = {};
    classes.push('ansi-fg');
    if (style.fg !== null) classes.push(`${colorName(style.fg)}-fg`);
    if (style.bg !== null) classes.push('ansi-bg', `${colorName(style.bg)}-bg`);
    for (const theme of THEMES) {
      const palette = OUTPUT_PALETTES[theme];
      const behind = style.bg === null ? [hexToRgb(stream === 'stderr' ? palette.stderrBackground : palette.background)] : [resolve(style.bg, theme)];
      let text = style.fg === null ? hexToRgb(palette.text) : resolve(style.fg, theme);
      if (style.dim) text = mixRgb(text, behind[0]!, DIM_MIX);
      vars[`--ansi-fg-${theme}`] = rgbToHex(readableColor(text, behind));
      if (style.bg !== null) vars[`--ansi-bg-${theme}`] = rgbToHex(behind[0]!);
    }
  }
  if (style.bold) classes.push('ansi-bold');
  if (style.dim) classes.push('ansi-dim');
  if (style.italic) classes.push('ansi-italic');
  if (style.underline) classes.push('ansi-underline');
  if (style.strikethrough) classes.push('ansi-strikethrough');
  if (style.hidden) classes.push('ansi-hidden');
  return { className: classes.join(' '), vars };
}

function resolve(color: AnsiColor, theme: OutputTheme): Rgb {
  if (color.kind === 'rgb') return color.rgb;
  return color.index < 16 ? hexToRgb(OUTPUT_PALETTES[theme].ansi[color.index]!) : xtermRgb(color.index);
}

function colorName(color: AnsiColor): string {
  if (color.kind === 'rgb') return 'ansi-truecolor';
  if (color.index >= 16) return 'ansi-palette';
  return color.index < 8 ? `ansi-${NAMES[color.index]}` : `ansi-bright-${NAMES[color.index - 8]}`;
}

function colorKey(color: AnsiColor | null): string {
  if (color === null) return '';
  return color.kind === 'rgb' ? color.rgb.join(',') : String(color.index);
}
