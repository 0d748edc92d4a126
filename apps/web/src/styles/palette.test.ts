// @vitest-environment node
/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync(new URL('./main.css', import.meta.url), 'utf8');

/** The custom properties declared in the first block that starts with `selector {`. */
function variables(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  if (start < 0) throw new Error(`main.css has no ${selector} block`);
  const block = css.slice(start, css.indexOf('}', start));
  return Object.fromEntries(Array.from(block.matchAll(/(--[\w-]+):\s*(#[0-9a-f]{6})\s*;/gi), (match) => [match[1]!, match[2]!]));
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((index) => {
    const channel = Number.parseInt(hex.slice(index, index + 2), 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** WCAG 2.x contrast ratio of two `#rrggbb` colours. */
function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

const light = variables(':root');
const themes = { light, dark: { ...light, ...variables(":root[data-theme='dark']") } };

const PAGE = ['--bg', '--surface', '--surface-muted', '--stale-bg'];

// [foreground, backgrounds, minimum ratio]: text 4.5:1; control edges, icons and focus rings 3:1.
const PAIRS: [string, string[], number][] = [
  ['--text', PAGE, 4.5],
  ['--muted', [...PAGE, '--gray-bg'], 4.5],
  ['--red', ['--surface', '--surface-muted', '--red-bg'], 4.5],
  ['--green', ['--surface', '--green-bg'], 4.5],
  ['--amber', ['--amber-bg'], 4.5],
  ['--gray', ['--gray-bg'], 4.5],
  ['--purple', ['--surface', '--purple-bg'], 4.5],
  ['--blue', ['--blue-bg'], 4.5],
  ['--on-primary', ['--primary', '--primary-hover'], 4.5],
  ['--accent', ['--surface', '--surface-muted'], 3],
  ['--focus', PAGE, 3],
  ['--control-border', ['--surface', '--surface-muted'], 3],
];

describe.each(Object.entries(themes))('the %s theme', (_name, palette) => {
  it.each(PAIRS)('gives %s enough contrast on its backgrounds', (foreground, backgrounds, minimum) => {
    const ratios = Object.fromEntries(backgrounds.map((background) => [background, contrast(palette[foreground]!, palette[background]!)]));
    for (const [background, ratio] of Object.entries(ratios)) {
      expect({ background, ok: ratio >= minimum, ratio: Number(ratio.toFixed(2)) }).toMatchObject({ background, ok: true });
    }
  });

  it('declares every colour the pairs name', () => {
    const names = new Set(PAIRS.flatMap(([foreground, backgrounds]) => [foreground, ...backgrounds]));
    expect([...names].filter((name) => palette[name] === undefined)).toEqual([]);
  });
});

describe('contrast', () => {
  it('measures the ratios WCAG gives for black, white and grey', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });
});
