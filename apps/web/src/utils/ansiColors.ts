/** A colour as red, green and blue, 0–255 each. */
export type Rgb = readonly [number, number, number];

/** The dashboard's two themes (`<html data-theme>`). */
export type OutputTheme = 'light' | 'dark';

/** The colours of the output view in one theme. */
export interface OutputPalette {
  /** Behind stdout; `--output-bg` in main.css. */
  background: string;
  /** Behind stderr; `--output-stderr-bg` in main.css. */
  stderrBackground: string;
  /** Text without an ANSI colour; `--output-text` in main.css. */
  text: string;
  /** ANSI colours 0–15: black, red, green, yellow, blue, magenta, cyan, white, then the bright ones. */
  ansi: readonly string[];
}

/** The output view's colours, as `#rrggbb`. The 16 ANSI colours are tuned per theme so each reads at 4.5:1 on both backgrounds. */
export const OUTPUT_PALETTES: Readonly<Record<OutputTheme, OutputPalette>> = {
  light: {
    background: '#f6f8fa',
    stderrBackground: '#fff0ef',
    text: '#1b1f24',
    ansi: [
      '#24292f', '#b3202b', '#146b2c', '#7a5100', '#0b57a8', '#8a2a8f', '#0b6475', '#545d68',
      '#4b535d', '#a4111f', '#0f5c24', '#674400', '#0a4a90', '#76207b', '#095566', '#414951',
    ],
  },
  dark: {
    background: '#0d1117',
    stderrBackground: '#291417',
    text: '#e6e9ee',
    ansi: [
      '#8b949e', '#ff7b72', '#3fb950', '#d29922', '#58a6ff', '#bc8cff', '#39c5cf', '#c9d1d9',
      '#a5aeb8', '#ffa198', '#56d364', '#e3b341', '#79c0ff', '#d2a8ff', '#56d4dd', '#f0f6fc',
    ],
  },
};

/** WCAG 2.2 AA for text (1.4.3): what every coloured span of output is held to. */
export const MIN_TEXT_CONTRAST = 4.5;

const BLACK: Rgb = [0, 0, 0];
const WHITE: Rgb = [255, 255, 255];

/** `#rrggbb` → {@link Rgb}. */
export function hexToRgb(hex: string): Rgb {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

/** {@link Rgb} → `#rrggbb`. */
export function rgbToHex(rgb: Rgb): string {
  return `#${rgb.map((channel) => Math.round(channel).toString(16).padStart(2, '0')).join('')}`;
}

/** The colour of xterm's 256-colour palette at `index` (16–231 the 6×6×6 cube, 232–255 greys); 0–15 are the theme's. */
export function xtermRgb(index: number): Rgb {
  if (index >= 232) {
    const level = 8 + (index - 232) * 10;
    return [level, level, level];
  }
  const cube = index - 16;
  const level = (step: number) => (step === 0 ? 0 : 55 + step * 40);
  return [level(Math.floor(cube / 36)), level(Math.floor(cube / 6) % 6), level(cube % 6)];
}

function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((channel) => {
    const value = channel / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** The WCAG 2.x contrast ratio of two colours, 1–21. */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/** `a` moved a fraction `t` (0–1) of the way to `b`. */
export function mixRgb(a: Rgb, b: Rgb, t: number): Rgb {
  return [0, 1, 2].map((channel) => Math.round(a[channel]! + (b[channel]! - a[channel]!) * t)) as unknown as Rgb;
}

function worstContrast(color: Rgb, backgrounds: readonly Rgb[]): number {
  return Math.min(...backgrounds.map((background) => contrastRatio(color, background)));
}

/**
 * `color`, or the colour nearest to it towards black or white that reads at `minimum`
 * (default 4.5:1) on every one of `backgrounds`, as a terminal's "minimum contrast ratio"
 * setting does: a program's dark blue stays blue on a light page and turns light blue on a
 * dark one. Either black or white always reaches 4.5:1 on one background (√21 > 4.5); for
 * several, they must be alike (the output's stdout and stderr backgrounds are).
 */
export function readableColor(color: Rgb, backgrounds: readonly Rgb[], minimum = MIN_TEXT_CONTRAST): Rgb {
  if (worstContrast(color, backgrounds) >= minimum) return color;
  const target = worstContrast(BLACK, backgrounds) >= worstContrast(WHITE, backgrounds) ? BLACK : WHITE;
  let low = 0;
  let high = 1;
  for (let step = 0; step < 16; step += 1) {
    const middle = (low + high) / 2;
    if (worstContrast(mixRgb(color, target, middle), backgrounds) >= minimum) high = middle;
    else low = middle;
  }
  return mixRgb(color, target, high);
}
