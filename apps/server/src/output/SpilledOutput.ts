import { open, rm } from 'node:fs/promises';
import type { OutputBuffer } from './OutputBuffer.ts';
import { readRawWindow, type RawWindowRead } from './readRawWindow.ts';
import { readWindow, type ReadMemo, type WindowRead } from './readWindow.ts';
import type { SegmentIndex } from './SegmentIndex.ts';

/**
 * A complete output kept in a file: its bytes on disk, its index of runs (a few bytes a run)
 * in memory. Reads open the file, read the range asked for and close it again, so a kept
 * output holds no descriptor.
 */
export class SpilledOutput {
  readonly path: string;
  readonly from: number;
  readonly end: number;
  readonly #index: SegmentIndex;
  #reading: { lo: number; hi: number; data: Promise<Buffer> } | undefined;

  private constructor(path: string, from: number, end: number, index: SegmentIndex) {
    this.path = path;
    this.from = from;
    this.end = end;
    this.#index = index;
  }

  /**
   * Writes the bytes `buffer` keeps to a new file at `path` (owner only) and takes over its
   * index. The buffer must not change any more.
   * @throws what the write throws: EEXIST when `path` exists (it is left alone); on any
   *   later failure the new file is removed.
   */
  static async write(path: string, buffer: OutputBuffer): Promise<SpilledOutput> {
    // Created here or not at all ('wx'): a failed write removes only a file of its own.
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(buffer.contents());
    } catch (error) {
      await handle.close();
      await rm(path, { force: true }).catch(() => {});
      throw error;
    }
    await handle.close();
    buffer.index.compact();
    return new SpilledOutput(path, buffer.from, buffer.end, buffer.index);
  }

  /** Bytes of output in the file. */
  get size(): number {
    return this.end - this.from;
  }

  /** Memory held: the index. */
  get byteLength(): number {
    return this.#index.byteLength;
  }

  /** The output after `after`, at most `maxBytes`; see {@link readWindow}. */
  async read(after: number, maxBytes: number, memo?: ReadMemo): Promise<WindowRead> {
    const position = Math.max(after, this.from);
    if (position >= this.end) return { from: this.from, chunks: [], offset: position };
    // Enough around the range for the boundary checks: 3 bytes before it, 1 after.
    const lo = Math.max(this.from, position - 3);
    const data = await this.#bytes(lo, Math.min(this.end, position + maxBytes + 1));
    const bytes = {
      byteAt: (offset: number) => data[offset - lo] as number,
      text: (start: number, stop: number) => data.toString('utf8', start - lo, stop - lo),
    };
    return readWindow(this.#index, this.from, this.end, bytes, after, maxBytes, memo);
  }

  /** The newest output after `after`, at most `maxBytes`, as written; see {@link readRawWindow}. */
  async readRaw(after: number, maxBytes: number): Promise<RawWindowRead> {
    const position = Math.max(after, this.from, this.end - maxBytes);
    // The boundary check looks back 3 bytes at most.
    const lo = Math.min(this.end, Math.max(this.from, position - 3));
    const data = await this.#bytes(lo, this.end);
    const bytes = {
      byteAt: (offset: number) => data[offset - lo] as number,
      slice: (start: number, stop: number) => data.subarray(start - lo, stop - lo),
    };
    return readRawWindow(this.#index, this.from, this.end, bytes, after, maxBytes);
  }

  /**
   * Bytes `lo..hi` of the output, read from the file; reads of the same range while one is
   * under way share it (the followers of one output flush on the same slot).
   */
  #bytes(lo: number, hi: number): Promise<Buffer> {
    const reading = this.#reading;
    if (reading !== undefined && reading.lo === lo && reading.hi === hi) return reading.data;
    const entry = { lo, hi, data: this.#readFile(lo, hi) };
    this.#reading = entry;
    const done = () => {
      if (this.#reading === entry) this.#reading = undefined;
    };
    entry.data.then(done, done);
    return entry.data;
  }

  async #readFile(lo: number, hi: number): Promise<Buffer> {
    const data = Buffer.allocUnsafe(hi - lo);
    if (data.length === 0) return data;
    const handle = await open(this.path, 'r');
    try {
      let filled = 0;
      while (filled < data.length) {
        const { bytesRead } = await handle.read(data, filled, data.length - filled, lo - this.from + filled);
        if (bytesRead === 0) throw new Error(`${this.path} is shorter than the output it keeps`);
        filled += bytesRead;
      }
    } finally {
      await handle.close();
    }
    return data;
  }

  /** Deletes the file. */
  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
