import type { OutputChunk } from '@sessionboard/protocol';
import type { SegmentIndex } from './SegmentIndex.ts';
import { nextUtf8Boundary, previousUtf8Boundary } from './utf8Boundary.ts';

/** Byte access to kept output, by absolute offset; wherever it is kept. */
export interface WindowBytes {
  byteAt(offset: number): number;
  /** The UTF-8 text of bytes `start..stop`, both boundaries. */
  text(start: number, stop: number): string;
}

/** What a read of kept output gives. */
export interface WindowRead {
  /** Offset of the oldest byte kept. */
  from: number;
  /** One chunk per run of one stream, in order, on character boundaries. */
  chunks: OutputChunk[];
  /** Where the read stopped: after the last chunk, or where it started when there was nothing. */
  offset: number;
}

/**
 * Reads the kept output `from..end` after byte `after` (or from `from` when that is later),
 * at most `maxBytes` (at least 4) of it. A start or stop inside a character moves to the next
 * or previous character boundary, so every chunk decodes on its own.
 */
export function readWindow(
  index: SegmentIndex,
  from: number,
  end: number,
  bytes: WindowBytes,
  after: number,
  maxBytes: number,
): WindowRead {
  const position = Math.max(after, from);
  if (position >= end) return { from, chunks: [], offset: position };
  const byteAt = (offset: number) => bytes.byteAt(offset);
  const runEnd = (run: number) => (run + 1 < index.count ? index.start(run + 1) : end);

  let run = index.find(position);
  const start = nextUtf8Boundary(byteAt, index.start(run), runEnd(run), position);
  let stop = Math.min(end, position + maxBytes);
  if (stop < end) {
    const last = index.find(stop);
    stop = previousUtf8Boundary(byteAt, index.start(last), runEnd(last), stop);
  }
  if (stop <= start) return { from, chunks: [], offset: position };

  const chunks: OutputChunk[] = [];
  for (; run < index.count && index.start(run) < stop; run++) {
    const chunkStart = Math.max(start, index.start(run));
    const chunkStop = Math.min(stop, runEnd(run));
    if (chunkStop > chunkStart) {
      chunks.push({ stream: index.stream(run), text: bytes.text(chunkStart, chunkStop), offset: chunkStop });
    }
  }
  return { from, chunks, offset: stop };
}
