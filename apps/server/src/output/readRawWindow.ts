import type { OutputStreamName, SegmentIndex } from './SegmentIndex.ts';
import { nextUtf8Boundary } from './utf8Boundary.ts';

/** A run of one stream in a raw read: `length` bytes written by `stream`. */
export interface RawRun {
  stream: OutputStreamName;
  length: number;
}

/** Kept output as the process wrote it, for a copy kept elsewhere with the same offsets. */
export interface RawWindowRead {
  /** Offset of the oldest byte kept. */
  from: number;
  /** Offset of the first byte read: a character boundary. */
  start: number;
  /** Offset after the last byte read: the end of the output kept. */
  stop: number;
  /** Which stream wrote which bytes, in order; their lengths add up to `stop - start`. */
  runs: RawRun[];
  bytes: Buffer;
}

/** Byte access to kept output, by absolute offset. */
export interface RawWindowBytes {
  byteAt(offset: number): number;
  /** A copy of bytes `start..stop`. */
  slice(start: number, stop: number): Buffer;
}

const EMPTY = Buffer.alloc(0);

/**
 * The newest kept output `from..end` after byte `after` (or from `from` when that is later),
 * at most `maxBytes` of it: when more than that is kept after `after`, the read starts later,
 * on the first character boundary at or after `end - maxBytes`, and the bytes before are left
 * out. A read always reaches the end of the output kept. Every run starts and ends on a
 * character boundary (each piece of output is appended whole).
 */
export function readRawWindow(index: SegmentIndex, from: number, end: number, bytes: RawWindowBytes, after: number, maxBytes: number): RawWindowRead {
  let position = Math.max(after, from);
  if (position >= end) return { from, start: end, stop: end, runs: [], bytes: EMPTY };
  if (end - position > maxBytes) position = end - maxBytes;
  const runEnd = (run: number) => (run + 1 < index.count ? index.start(run + 1) : end);
  let run = index.find(position);
  const start = nextUtf8Boundary((offset) => bytes.byteAt(offset), index.start(run), runEnd(run), position);
  if (start >= end) return { from, start: end, stop: end, runs: [], bytes: EMPTY };
  const runs: RawRun[] = [];
  for (; run < index.count; run++) {
    const length = runEnd(run) - Math.max(start, index.start(run));
    if (length > 0) runs.push({ stream: index.stream(run), length });
  }
  return { from, start, stop: end, runs, bytes: bytes.slice(start, end) };
}

/** What {@link appendRawRead} copies: a raw read, or the same carried elsewhere. */
export type RawPiece = Pick<RawWindowRead, 'start' | 'runs' | 'bytes'>;

/**
 * Appends a raw read of another output to `copy`, so that the copy keeps the same bytes at
 * the same offsets: a piece that starts after the copy's end drops what the copy keeps and
 * goes on from its start (the bytes in between were never copied); the part of a piece the
 * copy has already is left out. Pieces must come oldest first.
 * @returns true when the copy changed.
 */
export function appendRawRead(copy: { end: number; append(stream: OutputStreamName, bytes: Uint8Array): void; skipTo(offset: number): void }, piece: RawPiece): boolean {
  const stop = piece.start + piece.bytes.length;
  if (stop <= copy.end) return false;
  if (piece.start > copy.end) copy.skipTo(piece.start);
  let at = piece.start;
  let used = 0;
  for (const run of piece.runs) {
    const from = Math.max(at, copy.end);
    const to = at + run.length;
    if (to > from) copy.append(run.stream, piece.bytes.subarray(used + (from - at), used + run.length));
    at = to;
    used += run.length;
  }
  return true;
}
