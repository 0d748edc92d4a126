import type { Readable } from 'node:stream';
import type { OutputStreamName } from './SegmentIndex.ts';
import { TokenBucket } from './TokenBucket.ts';
import { incompleteTailLength } from './utf8Boundary.ts';
import { unrefTimers } from './unrefTimers.ts';

/** A process's output pipes; either may be missing (a spawn that failed, a fake child). */
export interface OutputPipes {
  readonly stdout?: Readable | null | undefined;
  readonly stderr?: Readable | null | undefined;
}

/** Timer functions, injectable for tests. */
export interface CaptureTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link OutputCapture}. */
export interface OutputCaptureOptions {
  /** Receives each piece as it arrives, ending on a character boundary. */
  append(stream: OutputStreamName, bytes: Buffer): void;
  /** Called once, when every pipe has closed (or at once, for a process without pipes). */
  onClosed(): void;
  /**
   * Bytes a second read from the pipes, both together, past the burst: a process that prints
   * faster waits on its full pipe, as it would on a slow terminal. @default 33554432 (32 MiB/s)
   */
  bytesPerSecond?: number;
  /** Bytes read at full speed before `bytesPerSecond` applies. @default 1048576 */
  burstBytes?: number;
  /** @default performance.now */
  now?: () => number;
  timers?: CaptureTimers;
}

/** The shortest pause of a throttled process's pipes, in ms. */
const MIN_PAUSE_MS = 20;

/**
 * Reads a process's stdout and stderr as they arrive, in arrival order, and hands on pieces
 * that end on a UTF-8 character boundary: the 1 to 3 bytes of a character not yet complete
 * wait for the rest (or for the pipe's end, when they are flushed as they are).
 *
 * A token bucket bounds the reading: past `burstBytes`, at most `bytesPerSecond`. When it is
 * spent both pipes are paused (for 20 ms at least), so a flood (`yes`) costs a bounded share of
 * the event loop and never more memory than the pipe and one read.
 */
export class OutputCapture {
  readonly #pipes: [OutputStreamName, Readable][] = [];
  readonly #held = new Map<OutputStreamName, Buffer>();
  readonly #options: OutputCaptureOptions;
  readonly #budget: TokenBucket;
  readonly #timers: CaptureTimers;
  #open = 0;
  #resumeTimer: unknown;
  #stopped = false;

  constructor(pipes: OutputPipes, options: OutputCaptureOptions) {
    this.#options = options;
    this.#budget = new TokenBucket({
      perSecond: options.bytesPerSecond ?? 32 * 1024 * 1024,
      burst: options.burstBytes ?? 1024 * 1024,
      now: options.now,
    });
    this.#timers = options.timers ?? unrefTimers;
    for (const stream of ['stdout', 'stderr'] as const) {
      const pipe = pipes[stream];
      if (pipe) this.#attach(stream, pipe);
    }
    if (this.#open === 0) queueMicrotask(() => options.onClosed());
  }

  /** Every pipe has closed. */
  get closed(): boolean {
    return this.#open === 0;
  }

  /**
   * Stops reading: flushes what each pipe held back and closes the pipes, so a process still
   * writing to them (one the session left behind) gets EPIPE. Nothing is appended after it.
   */
  stop(): void {
    if (this.#stopped) return;
    for (const [stream] of this.#pipes) this.#flush(stream);
    this.#stopped = true;
    if (this.#resumeTimer !== undefined) this.#timers.clearTimeout(this.#resumeTimer);
    this.#resumeTimer = undefined;
    for (const [, pipe] of this.#pipes) pipe.destroy();
  }

  #attach(stream: OutputStreamName, pipe: Readable): void {
    this.#pipes.push([stream, pipe]);
    this.#open += 1;
    pipe.on('data', (chunk: Buffer) => this.#onData(stream, chunk));
    // A read error ends the pipe like its end does; the process's exit says the rest.
    pipe.on('error', () => {});
    pipe.once('close', () => {
      this.#flush(stream);
      this.#open -= 1;
      if (this.#open === 0) this.#options.onClosed();
    });
  }

  #onData(stream: OutputStreamName, chunk: Buffer): void {
    if (this.#stopped) return;
    const held = this.#held.get(stream);
    if (held !== undefined) {
      chunk = Buffer.concat([held, chunk]);
      this.#held.delete(stream);
    }
    const complete = chunk.length - incompleteTailLength(chunk);
    // A copy, so that the held bytes do not keep the whole read's memory alive.
    if (complete < chunk.length) this.#held.set(stream, Buffer.from(chunk.subarray(complete)));
    if (complete > 0) this.#options.append(stream, chunk.subarray(0, complete));
    this.#spend(chunk.length);
  }

  #flush(stream: OutputStreamName): void {
    const held = this.#held.get(stream);
    if (held === undefined || this.#stopped) return;
    this.#held.delete(stream);
    this.#options.append(stream, held);
  }

  #spend(bytes: number): void {
    this.#budget.take(bytes);
    const debtMs = this.#budget.debtMs();
    if (debtMs === 0 || this.#resumeTimer !== undefined) return;
    for (const [, pipe] of this.#pipes) pipe.pause();
    // At least 20 ms: pausing and resuming a pipe costs system calls, so fewer and longer pauses.
    const waitMs = Math.max(MIN_PAUSE_MS, Math.ceil(debtMs));
    this.#resumeTimer = this.#timers.setTimeout(() => {
      this.#resumeTimer = undefined;
      if (this.#stopped) return;
      for (const [, pipe] of this.#pipes) pipe.resume();
    }, waitMs);
  }
}
