import { describe, expect, it } from 'vitest';
import type { OutputPart } from './createOutputRenderer.ts';
import { highlightParts } from './highlightParts.ts';
import type { OutputSpanStyle } from './styleAnsiRun.ts';

const red: OutputSpanStyle = { className: 'ansi-fg ansi-red-fg', vars: null };
const parts: OutputPart[] = [
  { text: 'error: ', style: null },
  { text: 'red error', style: red },
  { text: ' end', style: null },
];

const short = (pieces: ReturnType<typeof highlightParts>) => pieces.map((piece) => [piece.text, piece.style === red ? 'red' : '', piece.match]);

describe('highlightParts', () => {
  it('leaves the parts whole without matches', () => {
    expect(short(highlightParts(parts, [], 0))).toEqual([
      ['error: ', '', null],
      ['red error', 'red', null],
      [' end', '', null],
    ]);
  });

  it('cuts out each match, numbered from `first`, keeping each piece’s style', () => {
    expect(short(highlightParts(parts, [[0, 5], [11, 16]], 7))).toEqual([
      ['error', '', 7],
      [': ', '', null],
      ['red ', 'red', null],
      ['error', 'red', 8],
      [' end', '', null],
    ]);
  });

  it('splits a match that crosses parts into pieces of the same match', () => {
    expect(short(highlightParts(parts, [[5, 10]], 0))).toEqual([
      ['error', '', null],
      [': ', '', 0],
      ['red', 'red', 0],
      [' error', 'red', null],
      [' end', '', null],
    ]);
  });
});
