import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CaptureTimers, OutputCaptureOptions, OutputPipes } from './OutputCapture.ts';
import { SessionOutput } from './SessionOutput.ts';
import { unrefTimers } from './unrefTimers.ts';

/** Options of {@link OutputStore}. */
export interface OutputStoreOptions {
  /** Bytes of output kept per session (`SESSIONS_OUTPUT_BYTES`). */
  capacity: number;
  /**
   * How long after a process has ended its pipes may stay open (held by a process it left
   * running) before they are closed and its output counts as complete. @default 1000
   */
  eofGraceMs?: number;
  /** Complete output larger than this moves to a file; smaller stays in memory. @default 16384 */
  spillMinBytes?: number;
  /** Where the store makes its private directory (mode 0700) for those files. @default os.tmpdir() */
  tmpDir?: string;
  /** How pipes are read: see {@link OutputCaptureOptions}. */
  capture?: Pick<OutputCaptureOptions, 'bytesPerSecond' | 'burstBytes' | 'now'>;
  timers?: CaptureTimers;
  /** Told about a failure that costs memory, not correctness (a file that could not be written). */
  onError?: (error: unknown, message: string) => void;
}

/** What the store keeps, for metrics. */
export interface OutputStoreStats {
  sessions: number;
  /** Bytes of output kept in memory. */
  memoryBytes: number;
  /** Bytes of output kept in files. */
  diskBytes: number;
  /** Memory held for it: buffers and indexes. */
  heldBytes: number;
}

/**
 * Every session's output on this instance, by session id: live output in memory (the last
 * `capacity` bytes each), complete output of more than `spillMinBytes` in files of a private
 * temporary directory that {@link close} removes. So memory grows with the live sessions, not
 * with the ended ones kept. The session manager feeds it (`capture`, `processEnded`, `remove`).
 */
export class OutputStore {
  readonly #outputs = new Map<string, SessionOutput>();
  readonly #observers = new Set<(id: string, output: SessionOutput) => void>();
  readonly #pending = new Set<Promise<void>>();
  readonly #capacity: number;
  readonly #eofGraceMs: number;
  readonly #spillMinBytes: number;
  readonly #tmpDir: string;
  readonly #capture: OutputStoreOptions['capture'];
  readonly #timers: CaptureTimers;
  readonly #onError: NonNullable<OutputStoreOptions['onError']>;
  #dir: Promise<string> | undefined;
  #files = 0;
  #draining = false;

  constructor(options: OutputStoreOptions) {
    this.#capacity = options.capacity;
    this.#eofGraceMs = options.eofGraceMs ?? 1000;
    this.#spillMinBytes = options.spillMinBytes ?? 16 * 1024;
    this.#tmpDir = options.tmpDir ?? tmpdir();
    this.#capture = options.capture;
    this.#timers = options.timers ?? unrefTimers;
    this.#onError = options.onError ?? (() => {});
  }

  /** Starts keeping the output of session `id` from its process's pipes. */
  capture(id: string, pipes: OutputPipes): void {
    this.#outputFor(id).capture(pipes);
  }

  /** Session `id`'s process has ended, or could not start. */
  processEnded(id: string): void {
    this.#outputFor(id).processEnded();
  }

  /** Forgets session `id`'s output and deletes its file. */
  remove(id: string): void {
    const output = this.#outputs.get(id);
    if (!output) return;
    this.#outputs.delete(id);
    this.#track(output.remove());
  }

  /**
   * Calls `observer` with every session output kept here now, then with each new one as it
   * is made (before any output is appended to it): for a copy kept elsewhere.
   */
  observe(observer: (id: string, output: SessionOutput) => void): void {
    this.#observers.add(observer);
    for (const [id, output] of this.#outputs) observer(id, output);
  }

  /** Session `id`'s output, if it is kept here. */
  source(id: string): SessionOutput | undefined {
    return this.#outputs.get(id);
  }

  stats(): OutputStoreStats {
    const stats: OutputStoreStats = { sessions: this.#outputs.size, memoryBytes: 0, diskBytes: 0, heldBytes: 0 };
    for (const output of this.#outputs.values()) {
      const kept = output.kept;
      stats.memoryBytes += kept.memory;
      stats.diskBytes += kept.disk;
      stats.heldBytes += output.byteLength;
    }
    return stats;
  }

  /** From now on complete output stays in memory: for a shutdown, which would delete the files anyway. */
  drain(): void {
    this.#draining = true;
  }

  /** Stops reading every pipe, waits for file writes under way and removes the directory. */
  async close(): Promise<void> {
    this.#draining = true;
    for (const output of this.#outputs.values()) this.#track(output.remove());
    this.#outputs.clear();
    await Promise.allSettled([...this.#pending]);
    const dir = await this.#dir?.catch(() => undefined);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }

  #outputFor(id: string): SessionOutput {
    let output = this.#outputs.get(id);
    if (!output) {
      output = new SessionOutput({
        capacity: this.#capacity,
        eofGraceMs: this.#eofGraceMs,
        capture: this.#capture,
        timers: this.#timers,
        onEnded: (ended) => this.#ended(ended),
      });
      this.#outputs.set(id, output);
      for (const observer of this.#observers) observer(id, output);
    }
    return output;
  }

  #ended(output: SessionOutput): void {
    if (this.#draining || output.kept.memory <= this.#spillMinBytes) {
      output.compact();
      return;
    }
    this.#track(
      (async () => {
        const dir = await (this.#dir ??= mkdtemp(join(this.#tmpDir, 'sessionboard-output-')));
        await output.spill(join(dir, `${++this.#files}.out`));
      })().catch((error: unknown) => {
        output.compact();
        this.#onError(error, 'could not move a complete session output to disk; it stays in memory');
      }),
    );
  }

  #track(work: Promise<void>): void {
    const promise = work.catch((error: unknown) => this.#onError(error, 'could not delete a session output file'));
    this.#pending.add(promise);
    void promise.finally(() => this.#pending.delete(promise));
  }
}
