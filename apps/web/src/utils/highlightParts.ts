import type { OutputPart } from './createOutputRenderer.ts';
import type { OutputSpanStyle } from './styleAnsiRun.ts';

/** A part of a segment's text as drawn: a style, and the search match it belongs to (by its index among all matches). */
export interface OutputPiece {
  readonly text: string;
  readonly style: OutputSpanStyle | null;
  readonly match: number | null;
}

/**
 * Cuts `parts` where the search `ranges` (character offsets into the parts' joined text,
 * in order, not overlapping) begin and end, so each match can be drawn in a `<mark>`;
 * `first` is the index of the first range among all matches.
 */
export function highlightParts(parts: readonly OutputPart[], ranges: readonly (readonly [number, number])[], first: number): OutputPiece[] {
  const pieces: OutputPiece[] = [];
  let offset = 0;
  let range = 0;
  for (const part of parts) {
    const partEnd = offset + part.text.length;
    let at = offset;
    while (at < partEnd) {
      // Skip ranges that ended before here.
      while (range < ranges.length && ranges[range]![1] <= at) range += 1;
      const current = ranges[range];
      if (current === undefined || current[0] >= partEnd) {
        pieces.push({ text: part.text.slice(at - offset), style: part.style, match: null });
        break;
      }
      if (current[0] > at) {
        pieces.push({ text: part.text.slice(at - offset, current[0] - offset), style: part.style, match: null });
        at = current[0];
      }
      const end = Math.min(current[1], partEnd);
      pieces.push({ text: part.text.slice(at - offset, end - offset), style: part.style, match: first + range });
      at = end;
    }
    offset = partEnd;
  }
  return pieces;
}
