import type { CaptureTimers } from '../output/OutputCapture.ts';
import type { RawWindowRead } from '../output/readRawWindow.ts';
import { encodeRuns } from './outputEntry.ts';
import type { TokenBucket } from '../output/TokenBucket.ts';

/** What a carrier reads: a session's output on the instance that runs it (`SessionOutput`). */
export interface CarriedOutput {
  readonly end: number;
  readonly ended: boolean;
  readonly removed: boolean;
  readRaw(after: number, maxBytes: number): RawWindowRead | undefined | Promise<RawWindowRead | undefined>;
  onChange(listener: () => void): () => void;
}

/** One write to the copy: the piece `start..end` (none when `bytes` is empty), and whether the output is complete at `end`. */
export interface CarriedPiece {
  end: number;
  start: number;
  /** The piece's runs, as `encodeRuns` writes them. */
  runs: string;
  bytes: Buffer;
  complete: boolean;
}

/** Options of {@link OutputCarrier}. */
export interface OutputCarrierOptions {
  output: CarriedOutput;
  /**
   * Writes a piece to the copy (the `carryOutput` script); 'absent' when the cluster's
   * registry does not hold the session (not yet, or no longer).
   */
  write(piece: CarriedPiece): Promise<'ok' | 'absent'>;
  /** Bytes carried: at most its burst at once, its rate on average. Shared or not, as the caller likes. */
  budget: TokenBucket;
  /** Bytes in one piece at most (`SESSIONS_OUTPUT_BYTES`: more would be trimmed at once). */
  maxPieceBytes: number;
  /** Pieces are written on slots this far apart, at most one a slot. @default 50 */
  intervalMs?: number;
  /**
   * Where the slots fall: `phaseMs` after each multiple of `intervalMs` on the clock. Output
   * streams flush on the multiples (`OutputFollower`), so a piece written 15 ms before them
   * reaches a follower on another instance at its next flush. @default 35
   */
  phaseMs?: number;
  /** Wait after a failed write (Redis out of reach) or an absent session. @default 1000 */
  retryMs?: number;
  /** Epoch ms. @default Date.now */
  now?: () => number;
  timers: CaptureTimers;
  /** Told of each piece written: bytes carried, and bytes left out before it (over the budget, or dropped before they could be carried). */
  onCarried?: (counts: { bytes: number; skipped: number }) => void;
  /** Told of a write that failed; it is tried again after `retryMs`. */
  onError?: (error: unknown) => void;
}

/**
 * Carries one session's output, on the instance that runs it, into its copy in Redis, so
 * that any instance can read and follow it with the same offsets (`OutputMirror`), even
 * after this one is gone. At most one piece a slot (20 a second), each the newest output
 * not yet carried, within the budget: a process that prints faster than the budget allows
 * leaves gaps in the copy, which a reader of the copy sees as output dropped (`truncated`).
 * Once the output is complete, the end mark follows its last piece. It keeps no bytes of
 * its own: each piece is read from the output when it is written.
 */
export class OutputCarrier {
  readonly #options: OutputCarrierOptions;
  readonly #output: CarriedOutput;
  readonly #intervalMs: number;
  readonly #phaseMs: number;
  readonly #retryMs: number;
  readonly #now: () => number;
  /** The copy holds the output up to here (as far as this carrier knows). */
  #carried = 0;
  /** The end mark is written. */
  #complete = false;
  #lastSlot = Number.NEGATIVE_INFINITY;
  #timer: unknown;
  #cancelWait: (() => void) | undefined;
  #busy = false;
  /** A flush was due while one was under way. */
  #again = false;
  /** Bumped by {@link restart}: a write begun before it does not count. */
  #generation = 0;
  #stopped = false;

  constructor(options: OutputCarrierOptions) {
    this.#options = options;
    this.#output = options.output;
    this.#intervalMs = options.intervalMs ?? 50;
    this.#phaseMs = options.phaseMs ?? 35;
    this.#retryMs = options.retryMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Nothing to write: the copy has all the output there is (and the end mark when complete), or the output is gone. */
  get idle(): boolean {
    return this.#stopped || this.#output.removed || !this.#behind;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Starts carrying: what is there now at the next slot, then each change. */
  start(): void {
    this.#schedule(0);
  }

  /** Writes at the next slot, not waiting out a retry: Redis is back. */
  kick(): void {
    if (this.#stopped) return;
    this.#clearTimer();
    this.#schedule(0);
  }

  /** Carries everything kept again, from the oldest byte: the copy was lost (Redis emptied). */
  restart(): void {
    this.#generation += 1;
    this.#carried = 0;
    this.#complete = false;
    this.kick();
  }

  stop(): void {
    this.#stopped = true;
    this.#clearTimer();
    this.#cancelWait?.();
    this.#cancelWait = undefined;
  }

  async #flush(): Promise<void> {
    const output = this.#output;
    if (this.#stopped) return;
    if (this.#busy) {
      this.#again = true;
      return;
    }
    if (output.removed) {
      this.stop();
      return;
    }
    this.#busy = true;
    this.#again = false;
    const generation = this.#generation;
    // Listening from before the read, so that a change while it is under way is not missed.
    this.#cancelWait?.();
    this.#cancelWait = output.onChange(() => {
      this.#cancelWait = undefined;
      this.#schedule(0);
    });
    try {
      if (!this.#behind) return;
      const end = output.end;
      const ended = output.ended;
      let piece: RawWindowRead | undefined;
      if (this.#carried < end) {
        const budget = Math.min(this.#options.maxPieceBytes, this.#options.budget.available());
        if (budget < Math.min(4, end - this.#carried)) {
          this.#schedule(this.#intervalMs);
          return;
        }
        piece = await output.readRaw(this.#carried, budget);
        if (piece === undefined) {
          this.stop();
          return;
        }
      }
      const stop = piece?.stop ?? this.#carried;
      const bytes = piece?.bytes ?? Buffer.alloc(0);
      const result = await this.#options.write({ end: stop, start: piece?.start ?? stop, runs: encodeRuns(piece?.runs ?? []), bytes, complete: ended });
      if (generation !== this.#generation) {
        this.#again = true;
        return;
      }
      if (result === 'absent') {
        if (output.removed) this.stop();
        else this.#schedule(this.#retryMs);
        return;
      }
      this.#options.budget.take(bytes.length);
      if (piece !== undefined) this.#options.onCarried?.({ bytes: bytes.length, skipped: piece.start - this.#carried });
      this.#carried = stop;
      this.#complete = ended;
      if (this.#behind) this.#schedule(0);
    } catch (error) {
      this.#options.onError?.(error);
      this.#schedule(this.#retryMs);
    } finally {
      this.#busy = false;
      if (this.#again) this.#schedule(0);
    }
  }

  /** The output has bytes, or its end mark, that the copy has not. */
  get #behind(): boolean {
    return this.#carried < this.#output.end || (this.#output.ended && !this.#complete);
  }

  /** Flushes at the first slot at least `minWaitMs` from now and after the last one. */
  #schedule(minWaitMs: number): void {
    if (this.#stopped || this.#timer !== undefined) return;
    const now = this.#now();
    const interval = this.#intervalMs;
    const slot = Math.max(this.#lastSlot + interval, Math.ceil((now + minWaitMs - this.#phaseMs) / interval) * interval + this.#phaseMs);
    this.#timer = this.#options.timers.setTimeout(
      () => {
        this.#timer = undefined;
        this.#lastSlot = slot;
        void this.#flush();
      },
      Math.max(0, slot - now),
    );
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    this.#options.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
