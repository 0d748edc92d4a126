import type { OutputChunk } from '@sessionboard/protocol';

export type OutputStreamName = OutputChunk['stream'];

const STREAMS: readonly OutputStreamName[] = ['stdout', 'stderr'];

/**
 * Where each run of one stream starts in a session's kept output: a ring of (offset, stream)
 * pairs in two typed arrays, 9 bytes a run, oldest first. A run ends where the next starts
 * (the last one at the end of the output). Grows by doubling; see `maxSegments` of
 * {@link OutputBuffer} for its bound.
 */
export class SegmentIndex {
  #starts: Float64Array;
  #streams: Uint8Array;
  #head = 0;
  #count = 0;

  constructor(capacity = 8) {
    this.#starts = new Float64Array(capacity);
    this.#streams = new Uint8Array(capacity);
  }

  get count(): number {
    return this.#count;
  }

  /** Bytes the index holds on to. */
  get byteLength(): number {
    return this.#starts.byteLength + this.#streams.byteLength;
  }

  start(index: number): number {
    return this.#starts[this.#slot(index)] as number;
  }

  stream(index: number): OutputStreamName {
    return STREAMS[this.#streams[this.#slot(index)] as number] as OutputStreamName;
  }

  /** The stream of the newest run, if any. */
  get lastStream(): OutputStreamName | undefined {
    return this.#count === 0 ? undefined : this.stream(this.#count - 1);
  }

  /** Adds a run of `stream` starting at `offset`, after every other. */
  push(offset: number, stream: OutputStreamName): void {
    if (this.#count === this.#starts.length) this.#resize(this.#count * 2);
    const slot = this.#slot(this.#count);
    this.#starts[slot] = offset;
    this.#streams[slot] = stream === 'stdout' ? 0 : 1;
    this.#count += 1;
  }

  /** Drops the runs that end at or before `offset` and makes the first one left start there. */
  trimTo(offset: number): void {
    while (this.#count > 1 && this.start(1) <= offset) {
      this.#head = (this.#head + 1) % this.#starts.length;
      this.#count -= 1;
    }
    if (this.#count > 0) this.#starts[this.#head] = Math.max(this.start(0), offset);
  }

  clear(): void {
    this.#head = 0;
    this.#count = 0;
  }

  /** The index of the run holding byte `offset` (the last run for offsets past it); -1 before the first. */
  find(offset: number): number {
    let lo = 0;
    let hi = this.#count - 1;
    if (hi < 0 || offset < this.start(0)) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.start(mid) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Shrinks the arrays to the runs held, for output that will not grow any more. */
  compact(): void {
    this.#resize(Math.max(1, this.#count));
  }

  #slot(index: number): number {
    return (this.#head + index) % this.#starts.length;
  }

  #resize(capacity: number): void {
    const starts = new Float64Array(capacity);
    const streams = new Uint8Array(capacity);
    for (let i = 0; i < this.#count; i++) {
      const slot = this.#slot(i);
      starts[i] = this.#starts[slot] as number;
      streams[i] = this.#streams[slot] as number;
    }
    this.#starts = starts;
    this.#streams = streams;
    this.#head = 0;
  }
}
