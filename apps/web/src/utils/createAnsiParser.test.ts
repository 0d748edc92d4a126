import { describe, expect, it } from 'vitest';
import { createAnsiParser } from './createAnsiParser.ts';
import type { AnsiRun } from './createAnsiParser.ts';

/** Runs as `[text, fg, bg, decorations]`, for short expectations. */
function summary(runs: AnsiRun[]) {
  return runs.map(({ text, style }) => {
    const color = (c: typeof style.fg) => (c === null ? null : c.kind === 'ansi' ? c.index : c.rgb.join(','));
    const flags = (['bold', 'dim', 'italic', 'underline', 'strikethrough', 'hidden'] as const).filter((flag) => style[flag]);
    return [text, color(style.fg), color(style.bg), flags.join(' ')];
  });
}

describe('createAnsiParser', () => {
  it('reads the 16 colours, backgrounds and styles', () => {
    const runs = createAnsiParser().feed('plain \x1b[31mred \x1b[1;4mbold underlined\x1b[0m \x1b[92;44mbright on blue\x1b[m \x1b[2;3;9mdim\x1b[0m');
    expect(summary(runs)).toEqual([
      ['plain ', null, null, ''],
      ['red ', 1, null, ''],
      ['bold underlined', 1, null, 'bold underline'],
      [' ', null, null, ''],
      ['bright on blue', 10, 4, ''],
      [' ', null, null, ''],
      ['dim', null, null, 'dim italic strikethrough'],
    ]);
  });

  it('reads 256-colour and true-colour sequences, with colons as well as semicolons', () => {
    const runs = createAnsiParser().feed('\x1b[38;5;208mpalette\x1b[38;2;10;20;30m true\x1b[48:5:3m bg\x1b[0m');
    expect(summary(runs)).toEqual([
      ['palette', 208, null, ''],
      [' true', '10,20,30', null, ''],
      [' bg', '10,20,30', 3, ''],
    ]);
  });

  it('swaps the colours of reverse video, a missing one taken as black text on white', () => {
    expect(summary(createAnsiParser().feed('\x1b[31;7mrev\x1b[0;7m plain'))).toEqual([
      ['rev', 0, 1, ''],
      [' plain', 0, 7, ''],
    ]);
  });

  it('keeps a colour from one piece to the next', () => {
    const parser = createAnsiParser();
    parser.feed('\x1b[32mgreen starts');
    expect(summary(parser.feed(' and goes on\n'))).toEqual([[' and goes on\n', 2, null, '']]);
  });

  it('reads a sequence split between two pieces whole', () => {
    const parser = createAnsiParser();
    expect(summary(parser.feed('a\x1b[3'))).toEqual([['a', null, null, '']]);
    expect(summary(parser.feed('4mblue'))).toEqual([['blue', 4, null, '']]);
  });

  it('resumes from another parser’s state, pending sequence included', () => {
    const first = createAnsiParser();
    first.feed('\x1b[1;35mbold magenta\x1b[4');
    const second = createAnsiParser(first.state());
    expect(summary(second.feed('m and underlined'))).toEqual([[' and underlined', 5, null, 'bold underline']]);
    // The first parser's state is a copy: the second one changing does not touch it.
    expect(first.state().decorations).toEqual(['bold']);
  });

  it('keeps the colours after an erase-line sequence, as grep --color writes them', () => {
    expect(summary(createAnsiParser().feed('\x1b[01;31m\x1b[Kmatch\x1b[m\x1b[K'))).toEqual([['match', 1, null, 'bold']]);
  });

  it('merges neighbouring runs in the same style', () => {
    expect(createAnsiParser().feed('\x1b[31ma\x1b[31mb\x1b[10mc')).toHaveLength(1);
  });
});
