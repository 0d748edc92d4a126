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

/** Pieces already decoded, by their exact range; see {@link readWindow}. */
export interface ReadMemo {
  get(start: number, stop: number): OutputChunk[] | undefined;
  set(start: number, stop: number, chunks: OutputChunk[]): void;
}

/**
 * Reads the kept output `from..end` after byte `after` (or from `from` when that is later),
 * at most `maxBytes` (at least 4) of it. A start or stop inside a character moves to the next
 * or previous character boundary, so every chunk decodes on its own.
 *
 * A read stops at the next multiple of `maxBytes` at the latest: readers that start at
 * different offsets cut the same pieces after their first read, so that what `memo` keeps
 * (and what is encoded from it) serves them all.
 */
export function readWindow(
  index: SegmentIndex,
  from: number,
  end: number,
  bytes: WindowBytes,
  after: number,
  maxBytes: number,
  memo?: ReadMemo,
): WindowRead {
  const position = Math.max(after, from);
  if (position >= end) return { from, chunks: [], offset: position };
  const byteAt = (offset: number) => bytes.byteAt(offset);
  const runEnd = (run: number) => (run + 1 < index.count ? index.start(run + 1) : end);
  const boundaryBefore = (offset: number) => {
    if (offset >= end) return end;
    const run = index.find(offset);
    return previousUtf8Boundary(byteAt, index.start(run), runEnd(run), offset);
  };

  let run = index.find(position);
  const start = nextUtf8Boundary(byteAt, index.start(run), runEnd(run), position);
  let stop = boundaryBefore((Math.floor(position / maxBytes) + 1) * maxBytes);
  // The grid point fell inside the character that starts the read: take a whole step instead.
  if (stop <= start) stop = boundaryBefore(position + maxBytes);
  if (stop <= start) return { from, chunks: [], offset: position };

  const kept = memo?.get(start, stop);
  if (kept !== undefined) return { from, chunks: kept, offset: stop };
  const chunks: OutputChunk[] = [];
  for (; run < index.count && index.start(run) < stop; run++) {
    const chunkStart = Math.max(start, index.start(run));
    const chunkStop = Math.min(stop, runEnd(run));
    if (chunkStop > chunkStart) {
      chunks.push({ stream: index.stream(run), text: bytes.text(chunkStart, chunkStop), offset: chunkStop });
    }
  }
  memo?.set(start, stop, chunks);
  return { from, chunks, offset: stop };
}
