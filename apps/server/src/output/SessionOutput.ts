import { OutputBuffer } from './OutputBuffer.ts';
import { OutputCapture, type CaptureTimers, type OutputCaptureOptions, type OutputPipes } from './OutputCapture.ts';
import type { OutputRead, OutputSource } from './OutputSource.ts';
import type { RawWindowRead } from './readRawWindow.ts';
import type { ReadMemo, WindowRead } from './readWindow.ts';
import type { OutputStreamName } from './SegmentIndex.ts';
import { SpilledOutput } from './SpilledOutput.ts';

/** Options of {@link SessionOutput}. */
export interface SessionOutputOptions {
  /** Bytes kept (`SESSIONS_OUTPUT_BYTES`). */
  capacity: number;
  /** How long after the process has ended its pipes may stay open before they are closed. */
  eofGraceMs: number;
  /** How the pipes are read (throttle, clock). */
  capture?: Pick<OutputCaptureOptions, 'bytesPerSecond' | 'burstBytes' | 'now'>;
  timers: CaptureTimers;
  /** Called once, when the output is complete. */
  onEnded?: (output: SessionOutput) => void;
}

/**
 * One session's output on the instance that runs its process: captured from its pipes into
 * an {@link OutputBuffer}, complete once the process has ended and its pipes have closed (or
 * `eofGraceMs` after the end, when something it started keeps them open), then possibly moved
 * to a file ({@link spill}) until the session is removed.
 */
export class SessionOutput implements OutputSource {
  readonly #options: SessionOutputOptions;
  readonly #listeners = new Set<() => void>();
  #buffer: OutputBuffer | undefined;
  #spilled: SpilledOutput | undefined;
  #capture: OutputCapture | undefined;
  #graceTimer: unknown;
  #processEnded = false;
  #ended = false;
  #removed = false;
  /** The end offset once the bytes are gone (removed). */
  #finalEnd = 0;

  constructor(options: SessionOutputOptions) {
    this.#options = options;
    this.#buffer = new OutputBuffer({ capacity: options.capacity });
  }

  /** Nothing more will be appended: the end offset is final. */
  get ended(): boolean {
    return this.#ended;
  }

  get end(): number {
    return this.#spilled?.end ?? this.#buffer?.end ?? this.#finalEnd;
  }

  /** The output was removed: it is gone, and nothing more will come. */
  get removed(): boolean {
    return this.#removed;
  }

  /** Bytes of output kept in memory and on disk. */
  get kept(): { memory: number; disk: number } {
    return { memory: this.#buffer?.size ?? 0, disk: this.#spilled?.size ?? 0 };
  }

  /** Memory it holds: the buffer (ring and index), or the index of the file. */
  get byteLength(): number {
    return this.#buffer?.byteLength ?? this.#spilled?.byteLength ?? 0;
  }

  /** Starts reading the process's pipes. Once only. */
  capture(pipes: OutputPipes): void {
    if (this.#capture !== undefined || this.#ended) return;
    this.#capture = new OutputCapture(pipes, {
      ...this.#options.capture,
      timers: this.#options.timers,
      append: (stream, bytes) => this.#append(stream, bytes),
      onClosed: () => {
        if (this.#processEnded) this.#seal();
      },
    });
  }

  /**
   * The process has ended (or never started): the output is complete as soon as its pipes have
   * closed, and at the latest `eofGraceMs` from now, when they are closed.
   */
  processEnded(): void {
    if (this.#processEnded) return;
    this.#processEnded = true;
    const capture = this.#capture;
    if (capture === undefined || capture.closed) {
      this.#seal();
      return;
    }
    this.#graceTimer = this.#options.timers.setTimeout(() => {
      this.#graceTimer = undefined;
      capture.stop();
      this.#seal();
    }, this.#options.eofGraceMs);
  }

  read(after: number, maxBytes: number, memo?: ReadMemo): OutputRead | Promise<OutputRead> {
    if (this.#spilled !== undefined) return this.#readSpilled(this.#spilled, after, maxBytes, memo);
    if (this.#buffer === undefined) return this.#removedRead(after);
    return this.#describe(this.#buffer.read(after, maxBytes, memo));
  }

  /**
   * The newest output after `after`, at most `maxBytes`, as the process wrote it (see
   * {@link readRawWindow}), for a copy kept elsewhere; undefined once removed.
   */
  readRaw(after: number, maxBytes: number): RawWindowRead | undefined | Promise<RawWindowRead | undefined> {
    if (this.#spilled !== undefined) {
      const spilled = this.#spilled;
      return spilled.readRaw(after, maxBytes).catch((error: unknown) => {
        if (this.#removed) return undefined;
        throw error;
      });
    }
    return this.#buffer?.readRaw(after, maxBytes);
  }

  onChange(listener: () => void): () => void {
    const once = () => listener();
    this.#listeners.add(once);
    return () => this.#listeners.delete(once);
  }

  /**
   * Moves complete output to a new file at `path`, freeing its memory. Reads go on from memory
   * until the file is written.
   * @throws what writing the file throws; the output then stays in memory.
   */
  async spill(path: string): Promise<void> {
    const buffer = this.#buffer;
    if (!this.#ended || buffer === undefined) return;
    const spilled = await SpilledOutput.write(path, buffer);
    if (this.#removed) {
      await spilled.remove();
      return;
    }
    this.#spilled = spilled;
    this.#buffer = undefined;
  }

  /** Frees the room a complete output in memory will not use. */
  compact(): void {
    if (this.#ended) this.#buffer?.compact();
  }

  /** Forgets the output (and deletes its file): readers are told it was removed. */
  async remove(): Promise<void> {
    if (this.#removed) return;
    this.#finalEnd = this.end;
    this.#removed = true;
    this.#ended = true;
    this.#capture?.stop();
    if (this.#graceTimer !== undefined) this.#options.timers.clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    const spilled = this.#spilled;
    this.#buffer = undefined;
    this.#spilled = undefined;
    this.#notify();
    await spilled?.remove();
  }

  #append(stream: OutputStreamName, bytes: Buffer): void {
    if (this.#ended || this.#buffer === undefined) return;
    this.#buffer.append(stream, bytes);
    this.#notify();
  }

  #seal(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#graceTimer !== undefined) this.#options.timers.clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    this.#notify();
    this.#options.onEnded?.(this);
  }

  #notify(): void {
    if (this.#listeners.size === 0) return;
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const listener of listeners) listener();
  }

  async #readSpilled(spilled: SpilledOutput, after: number, maxBytes: number, memo: ReadMemo | undefined): Promise<OutputRead> {
    let read: WindowRead;
    try {
      read = await spilled.read(after, maxBytes, memo);
    } catch (error) {
      // Removed while the file was being read.
      if (this.#removed) return this.#removedRead(after);
      throw error;
    }
    return this.#removed ? this.#removedRead(after) : this.#describe(read, spilled.end);
  }

  #describe(read: WindowRead, end = this.end): OutputRead {
    const ended = this.#ended;
    return { ...read, offset: ended ? Math.min(read.offset, end) : read.offset, end, ended, removed: false };
  }

  #removedRead(after: number): OutputRead {
    const end = this.#finalEnd;
    return { from: end, chunks: [], offset: Math.min(after, end), end, ended: true, removed: true };
  }
}
