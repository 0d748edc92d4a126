import { readRawWindow, type RawWindowRead } from './readRawWindow.ts';
import { readWindow, type ReadMemo, type WindowBytes, type WindowRead } from './readWindow.ts';
import { SegmentIndex, type OutputStreamName } from './SegmentIndex.ts';
import { nextUtf8Boundary } from './utf8Boundary.ts';

/** Options of {@link OutputBuffer}. */
export interface OutputBufferOptions {
  /** Bytes of output kept at most (`SESSIONS_OUTPUT_BYTES`). */
  capacity: number;
  /**
   * Runs of one stream kept at most: a process that switches between stdout and stderr every
   * few bytes would otherwise cost more in its index than in its bytes. Past it, the oldest
   * run is dropped. @default `max(64, capacity / 64)`, so the index stays under 15% of the bytes
   */
  maxSegments?: number;
}

/** Bytes the ring starts with; it doubles up to the capacity as output comes. */
const INITIAL_RING_BYTES = 4096;

/**
 * The last `capacity` bytes of one session's output in memory: a ring of bytes that grows
 * (doubling) up to `capacity` as output comes, and a {@link SegmentIndex} of which stream
 * wrote what. Offsets count every byte ever appended. Older bytes are dropped on a character
 * boundary, so the oldest byte kept (`from`) always starts a character.
 *
 * Appended pieces must end on a character boundary ({@link incompleteTailLength} tells what to
 * hold back), and the work per append is a copy of its bytes.
 */
export class OutputBuffer implements WindowBytes {
  readonly #capacity: number;
  readonly #maxSegments: number;
  readonly #index = new SegmentIndex();
  #ring: Buffer = Buffer.alloc(0);
  /** Ring position of byte `from`. */
  #head = 0;
  #size = 0;
  #from = 0;

  constructor(options: OutputBufferOptions) {
    if (!Number.isSafeInteger(options.capacity) || options.capacity < 16) {
      throw new RangeError(`capacity must be an integer of at least 16 bytes, got ${options.capacity}`);
    }
    this.#capacity = options.capacity;
    this.#maxSegments = Math.max(2, options.maxSegments ?? Math.max(64, Math.floor(options.capacity / 64)));
  }

  /** Offset of the oldest byte kept. */
  get from(): number {
    return this.#from;
  }

  /** Offset after the newest byte: every byte appended so far. */
  get end(): number {
    return this.#from + this.#size;
  }

  /** Bytes of output kept. */
  get size(): number {
    return this.#size;
  }

  /** Memory held: the ring and the index. */
  get byteLength(): number {
    return this.#ring.length + this.#index.byteLength;
  }

  /** Which stream wrote what, for a copy kept elsewhere (see {@link SpilledOutput}). */
  get index(): SegmentIndex {
    return this.#index;
  }

  /** Appends `bytes` written by `stream`, dropping the oldest output beyond the capacity. */
  append(stream: OutputStreamName, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const end = this.end;
    if (bytes.length >= this.#capacity) {
      // Only the newest part of this piece is kept; all before it goes.
      const byteAt = (offset: number) => bytes[offset - end] as number;
      const keepFrom = nextUtf8Boundary(byteAt, end, end + bytes.length, end + bytes.length - this.#capacity);
      bytes = bytes.subarray(keepFrom - end);
      this.#from = keepFrom;
      this.#head = 0;
      this.#size = 0;
      this.#index.clear();
    } else if (this.#size + bytes.length > this.#capacity) {
      this.#dropTo(end + bytes.length - this.#capacity);
    }
    if (this.#index.lastStream !== stream) {
      if (this.#index.count >= this.#maxSegments) this.#dropTo(this.#index.start(1));
      this.#index.push(this.end, stream);
    }
    this.#reserve(this.#size + bytes.length);
    const ring = this.#ring;
    const at = (this.#head + this.#size) % ring.length;
    const first = Math.min(bytes.length, ring.length - at);
    ring.set(bytes.subarray(0, first), at);
    if (first < bytes.length) ring.set(bytes.subarray(first), 0);
    this.#size += bytes.length;
  }

  /** The output after `after`, at most `maxBytes`; see {@link readWindow}. */
  read(after: number, maxBytes: number, memo?: ReadMemo): WindowRead {
    return readWindow(this.#index, this.#from, this.end, this, after, maxBytes, memo);
  }

  /** A copy of the bytes kept, oldest first. */
  contents(): Buffer {
    return this.#slice(this.#from, this.end);
  }

  /** The newest kept bytes after `after`, at most `maxBytes`, with their runs; see {@link readRawWindow}. */
  readRaw(after: number, maxBytes: number): RawWindowRead {
    return readRawWindow(this.#index, this.#from, this.end, { byteAt: (offset) => this.byteAt(offset), slice: (start, stop) => this.#slice(start, stop) }, after, maxBytes);
  }

  /**
   * Drops everything kept and goes on from `offset`: for a copy of output kept elsewhere that
   * missed the bytes before it. The next append is byte `offset`.
   * @throws {RangeError} when `offset` is before the end
   */
  skipTo(offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < this.end) throw new RangeError(`can only skip forward from ${this.end}, got ${offset}`);
    this.#from = offset;
    this.#head = 0;
    this.#size = 0;
    this.#index.clear();
  }

  /** Frees the room that will not be used: for output that is complete. */
  compact(): void {
    if (this.#ring.length > this.#size) {
      this.#ring = this.contents();
      this.#head = 0;
    }
    this.#index.compact();
  }

  byteAt(offset: number): number {
    return this.#ring[(this.#head + offset - this.#from) % this.#ring.length] as number;
  }

  text(start: number, stop: number): string {
    const at = (this.#head + start - this.#from) % this.#ring.length;
    if (at + stop - start <= this.#ring.length) return this.#ring.toString('utf8', at, at + stop - start);
    return this.#slice(start, stop).toString('utf8');
  }

  /** Drops the bytes before `offset`, moved on to the next character boundary. */
  #dropTo(offset: number): void {
    const run = this.#index.find(offset);
    const runEnd = run + 1 < this.#index.count ? this.#index.start(run + 1) : this.end;
    const from = nextUtf8Boundary((at) => this.byteAt(at), this.#index.start(run), runEnd, offset);
    this.#head = (this.#head + from - this.#from) % this.#ring.length;
    this.#size -= from - this.#from;
    this.#from = from;
    this.#index.trimTo(from);
  }

  /** Grows the ring (linearising it) so that it holds `bytes`. */
  #reserve(bytes: number): void {
    if (bytes <= this.#ring.length) return;
    let length = Math.max(INITIAL_RING_BYTES, this.#ring.length);
    while (length < bytes) length *= 2;
    const ring = Buffer.allocUnsafe(Math.min(this.#capacity, length));
    if (this.#size > 0) this.contents().copy(ring, 0);
    this.#ring = ring;
    this.#head = 0;
  }

  #slice(start: number, stop: number): Buffer {
    const length = stop - start;
    const out = Buffer.allocUnsafe(length);
    if (length === 0) return out;
    const at = (this.#head + start - this.#from) % this.#ring.length;
    const first = Math.min(length, this.#ring.length - at);
    this.#ring.copy(out, 0, at, at + first);
    if (first < length) this.#ring.copy(out, first, 0, length - first);
    return out;
  }
}
