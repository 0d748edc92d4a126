import type { OutputChunk } from '@sessionboard/protocol';
import type { ReadMemo } from './readWindow.ts';

/**
 * The last few pieces read from one output, by exact range, so that followers reading the same
 * range share one decoding (and one encoding: see {@link OutputFollower}). A range's bytes never
 * change while they are kept, so an entry stays right; the oldest goes when a new one comes.
 */
export class RecentReads implements ReadMemo {
  readonly #entries = new Map<string, OutputChunk[]>();
  readonly #capacity: number;

  /** @param capacity ranges kept; each holds up to one read's text (256 KiB). */
  constructor(capacity = 2) {
    this.#capacity = capacity;
  }

  get(start: number, stop: number): OutputChunk[] | undefined {
    return this.#entries.get(`${start}:${stop}`);
  }

  set(start: number, stop: number, chunks: OutputChunk[]): void {
    this.#entries.set(`${start}:${stop}`, chunks);
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#capacity) break;
      this.#entries.delete(key);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}
