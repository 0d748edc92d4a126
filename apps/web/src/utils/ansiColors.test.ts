// @vitest-environment node
/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MIN_TEXT_CONTRAST, OUTPUT_PALETTES, contrastRatio, hexToRgb, readableColor, rgbToHex, xtermRgb } from './ansiColors.ts';

const css = readFileSync(new URL('../styles/main.css', import.meta.url), 'utf8');

/** The value of custom property `name` in the first block that starts with `selector {`. */
function cssVariable(selector: string, name: string): string | undefined {
  const start = css.indexOf(`${selector} {`);
  const block = css.slice(start, css.indexOf('}', start));
  return new RegExp(`${name}:\\s*(#[0-9a-f]{6})\\s*;`, 'i').exec(block)?.[1];
}

describe.each(Object.entries(OUTPUT_PALETTES))('the %s output palette', (theme, palette) => {
  const backgrounds = [palette.background, palette.stderrBackground].map(hexToRgb);

  it('has 16 colours, each readable at 4.5:1 on stdout’s and stderr’s backgrounds', () => {
    expect(palette.ansi).toHaveLength(16);
    const weak = palette.ansi.filter((color) => backgrounds.some((background) => contrastRatio(hexToRgb(color), background) < MIN_TEXT_CONTRAST));
    expect(weak).toEqual([]);
    expect(backgrounds.every((background) => contrastRatio(hexToRgb(palette.text), background) >= 7)).toBe(true);
  });

  it('matches the output colours main.css declares', () => {
    const selector = theme === 'light' ? ':root' : ":root[data-theme='dark']";
    expect(cssVariable(selector, '--output-bg')).toBe(palette.background);
    expect(cssVariable(selector, '--output-stderr-bg')).toBe(palette.stderrBackground);
    expect(cssVariable(selector, '--output-text')).toBe(palette.text);
  });
});

describe('readableColor', () => {
  it('keeps a colour that already reads well', () => {
    expect(readableColor([11, 87, 168], [hexToRgb('#ffffff')])).toEqual([11, 87, 168]);
  });

  it('lightens dark blue on a dark background and darkens yellow on a light one, to 4.5:1 and little more', () => {
    const dark = hexToRgb('#0d1117');
    const light = hexToRgb('#f6f8fa');
    const onDark = readableColor([0, 0, 187], [dark]);
    const onLight = readableColor([255, 255, 85], [light]);
    for (const [color, background] of [
      [onDark, dark],
      [onLight, light],
    ] as const) {
      expect(contrastRatio(color, background)).toBeGreaterThanOrEqual(MIN_TEXT_CONTRAST);
      expect(contrastRatio(color, background)).toBeLessThan(MIN_TEXT_CONTRAST + 0.3);
    }
    // Still bluish, still yellowish.
    expect(onDark[2]).toBeGreaterThan(onDark[0]);
    expect(onLight[0]).toBeGreaterThan(onLight[2]);
  });

  it('reaches the ratio on every background it is given', () => {
    const color = readableColor([128, 128, 128], ['#f6f8fa', '#fff0ef'].map(hexToRgb));
    expect(Math.min(contrastRatio(color, hexToRgb('#f6f8fa')), contrastRatio(color, hexToRgb('#fff0ef')))).toBeGreaterThanOrEqual(4.5);
  });
});

describe('xtermRgb', () => {
  it('gives the 6×6×6 cube and the grey ramp of xterm’s 256 colours', () => {
    expect(rgbToHex(xtermRgb(16))).toBe('#000000');
    expect(rgbToHex(xtermRgb(208))).toBe('#ff8700');
    expect(rgbToHex(xtermRgb(231))).toBe('#ffffff');
    expect(rgbToHex(xtermRgb(232))).toBe('#080808');
    expect(rgbToHex(xtermRgb(255))).toBe('#eeeeee');
  });
});
