import { describe, expect, it } from 'vitest';
import { MIN_TEXT_CONTRAST, OUTPUT_PALETTES, contrastRatio, hexToRgb } from './ansiColors.ts';
import type { AnsiStyle } from './createAnsiParser.ts';
import { styleAnsiRun } from './styleAnsiRun.ts';

const plain: AnsiStyle = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, strikethrough: false, hidden: false };

describe('styleAnsiRun', () => {
  it('leaves plain text without class or colour', () => {
    expect(styleAnsiRun(plain, 'stdout')).toEqual({ className: '', vars: null });
  });

  it('names the colour in a class and gives each theme’s colour as a custom property', () => {
    const style = styleAnsiRun({ ...plain, fg: { kind: 'ansi', index: 1 }, bold: true }, 'stdout');
    expect(style.className).toBe('ansi-fg ansi-red-fg ansi-bold');
    expect(style.vars).toEqual({ '--ansi-fg-light': OUTPUT_PALETTES.light.ansi[1], '--ansi-fg-dark': OUTPUT_PALETTES.dark.ansi[1] });
  });

  it('names bright, 256 and true colours, and backgrounds', () => {
    expect(styleAnsiRun({ ...plain, fg: { kind: 'ansi', index: 12 } }, 'stdout').className).toBe('ansi-fg ansi-bright-blue-fg');
    expect(styleAnsiRun({ ...plain, fg: { kind: 'ansi', index: 208 } }, 'stdout').className).toBe('ansi-fg ansi-palette-fg');
    const truecolor = styleAnsiRun({ ...plain, fg: { kind: 'rgb', rgb: [1, 2, 3] }, bg: { kind: 'ansi', index: 3 } }, 'stdout');
    expect(truecolor.className).toBe('ansi-fg ansi-truecolor-fg ansi-bg ansi-yellow-bg');
    expect(truecolor.vars?.['--ansi-bg-light']).toBe(OUTPUT_PALETTES.light.ansi[3]);
  });

  it('makes every colour readable at 4.5:1 on what is behind it, in both themes, on stdout and stderr', () => {
    const styles: AnsiStyle[] = [
      { ...plain, fg: { kind: 'rgb', rgb: [0, 0, 170] } },
      { ...plain, fg: { kind: 'rgb', rgb: [255, 255, 120] } },
      { ...plain, fg: { kind: 'ansi', index: 236 } },
      { ...plain, dim: true },
      { ...plain, fg: { kind: 'ansi', index: 2 }, dim: true },
      { ...plain, bg: { kind: 'ansi', index: 1 } },
      { ...plain, fg: { kind: 'ansi', index: 3 }, bg: { kind: 'ansi', index: 7 } },
      { ...plain, fg: { kind: 'ansi', index: 0 }, bg: { kind: 'ansi', index: 0 } },
    ];
    for (const stream of ['stdout', 'stderr'] as const) {
      for (const style of styles) {
        const { vars } = styleAnsiRun(style, stream);
        for (const theme of ['light', 'dark'] as const) {
          const palette = OUTPUT_PALETTES[theme];
          const behind = vars?.[`--ansi-bg-${theme}`] ?? (stream === 'stderr' ? palette.stderrBackground : palette.background);
          const ratio = contrastRatio(hexToRgb(vars![`--ansi-fg-${theme}`]!), hexToRgb(behind));
          expect({ style, stream, theme, ok: ratio >= MIN_TEXT_CONTRAST }).toMatchObject({ ok: true });
        }
      }
    }
  });

  it('draws dim text fainter than plain text, yet readable', () => {
    const { vars } = styleAnsiRun({ ...plain, dim: true }, 'stdout');
    const background = hexToRgb(OUTPUT_PALETTES.dark.background);
    const dim = contrastRatio(hexToRgb(vars!['--ansi-fg-dark']!), background);
    expect(dim).toBeLessThan(contrastRatio(hexToRgb(OUTPUT_PALETTES.dark.text), background));
    expect(dim).toBeGreaterThanOrEqual(MIN_TEXT_CONTRAST);
  });

  it('gives equal styles one object', () => {
    expect(styleAnsiRun({ ...plain, italic: true }, 'stderr')).toBe(styleAnsiRun({ ...plain, italic: true }, 'stderr'));
  });
});
