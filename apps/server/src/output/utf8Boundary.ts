/** A byte of the form 10xxxxxx: it never starts a character. */
function isContinuation(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}

/** Bytes of the sequence `lead` starts; 1 for ASCII and for bytes that start no valid sequence. */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/**
 * Bytes at the end of `bytes` that start a character still missing its last bytes (0 to 3).
 * Holding these back until the next read keeps every piece before them decodable on its own:
 * a UTF-8 decoder is between characters where such a piece ends, so decoding pieces one by
 * one gives the same text as decoding the whole.
 */
export function incompleteTailLength(bytes: Uint8Array): number {
  const length = bytes.length;
  for (let back = 1; back <= 3 && back <= length; back++) {
    const byte = bytes[length - back] as number;
    if (!isContinuation(byte)) return sequenceLength(byte) > back ? back : 0;
  }
  return 0;
}

/**
 * True when decoding may start at byte `at`, so that the bytes before it and those from it
 * decode, each on their own, to the same text as together (invalid bytes included, as U+FFFD).
 * `lo` and `hi` are known boundaries around `at` (where a piece starts and ends); bytes are
 * read through `byteAt` from `at - 3` on at most, never below `lo`.
 *
 * It may answer false where a decoder has just given up on an invalid sequence; callers move
 * on by at most 3 bytes, and always find a boundary there.
 */
export function isUtf8Boundary(byteAt: (offset: number) => number, lo: number, hi: number, at: number): boolean {
  if (at <= lo || at >= hi) return true;
  if (!isContinuation(byteAt(at))) return true;
  for (let offset = at - 1; offset >= lo && offset >= at - 3; offset--) {
    const byte = byteAt(offset);
    if (!isContinuation(byte)) return offset + sequenceLength(byte) <= at;
  }
  // Three continuation bytes before it (or only continuation bytes since `lo`): a stray one.
  return true;
}

/** The first boundary at or after `at` (at most 3 bytes on), within `lo..hi`. */
export function nextUtf8Boundary(byteAt: (offset: number) => number, lo: number, hi: number, at: number): number {
  let offset = at;
  while (!isUtf8Boundary(byteAt, lo, hi, offset)) offset++;
  return offset;
}

/** The last boundary at or before `at` (at most 3 bytes back), within `lo..hi`. */
export function previousUtf8Boundary(byteAt: (offset: number) => number, lo: number, hi: number, at: number): number {
  let offset = at;
  while (!isUtf8Boundary(byteAt, lo, hi, offset)) offset--;
  return offset;
}
