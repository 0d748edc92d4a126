import type { OutputChunk, OutputStreamEventMap, PingEvent, Session } from '@sessionboard/protocol';
import { OUTPUT_LIMITS } from '@sessionboard/protocol';
import { encodeFrame, type SseConnection } from '@sessionboard/sse-broker';
import type { CaptureTimers } from './OutputCapture.ts';
import type { OutputRead, OutputSource } from './OutputSource.ts';
import type { ReadMemo } from './readWindow.ts';

/** Options of {@link OutputFollower}. */
export interface OutputFollowerOptions {
  connection: SseConnection;
  source: OutputSource;
  /** The offset the client has output up to (its last event id); undefined: from the start. */
  after: number | undefined;
  /** The session's state now, sent with `end`; undefined once it is gone. */
  session: () => Session | undefined;
  /** The `retry:` the stream starts with, in ms. */
  retryMs: number;
  /** A client whose socket has not drained for this long is cut off, in ms. */
  stallMs: number;
  /** Events a second at most. @default 20 (`OUTPUT_LIMITS.maxChunksPerSecond`) */
  maxChunksPerSecond?: number;
  /** Bytes of output in one flush at most. @default 262144 (`OUTPUT_LIMITS.maxChunkBytes`) */
  maxChunkBytes?: number;
  /**
   * The interval between flushes while the stream is behind the kept window (its last flush
   * began with `truncated`, and was not its first): the process prints faster than a stream
   * may carry, so most of its output is dropped anyway, and a sample of it every
   * `behindIntervalMs` costs the client and the network far less than 20 a second. A stream
   * that starts or resumes behind the window catches up at the normal pace. A multiple of the
   * normal interval. @default 250
   */
  behindIntervalMs?: number;
  /** Bytes of output in one flush at most while behind: a sample. @default 16384 */
  behindChunkBytes?: number;
  /** Shared by the followers of one source, so that they share what it decodes. */
  memo?: ReadMemo;
  /** @default Date.now */
  now?: () => number;
  timers: CaptureTimers;
  /** Told of each flush: events and bytes of output written. */
  onFlush?: (counts: { events: number; bytes: number; truncated: boolean }) => void;
  /** Called once, when the stream has closed, whoever closed it. */
  onClose?: () => void;
}

function frame<E extends keyof OutputStreamEventMap>(event: E, data: OutputStreamEventMap[E]): Buffer {
  return Buffer.from(encodeFrame({ event, data: JSON.stringify(data) }));
}

/** The `output` frames of each read's chunks, encoded once however many streams write them. */
const encoded = new WeakMap<readonly OutputChunk[], Buffer>();

/**
 * `id: <offset>`, `event: output`, `data: <chunk>` per chunk, as one buffer. Built directly
 * rather than through `encodeFrame`: JSON escapes CR and LF, so the data is one line.
 */
function outputFrames(chunks: readonly OutputChunk[]): Buffer {
  let frames = encoded.get(chunks);
  if (frames === undefined) {
    let text = '';
    for (const chunk of chunks) text += `id: ${chunk.offset}\nevent: output\ndata: ${JSON.stringify(chunk)}\n\n`;
    frames = Buffer.from(text);
    encoded.set(chunks, frames);
  }
  return frames;
}

/**
 * Follows one session's output for one client (`GET /api/sse/sessions/:id/output`), pulling
 * from its {@link OutputSource} at the client's own pace: it reads the next piece only once the
 * socket has taken the last one, so a slow client costs at most one flush of memory and, when
 * it falls behind the kept window, gets `truncated` and goes on from the oldest byte kept.
 *
 * Flushes are at least `1000 / maxChunksPerSecond` ms apart and carry at most `maxChunkBytes`
 * of output: one `output` event for a process that writes to one stream, one per run of a
 * stream when it switches between stdout and stderr. A byte that arrives while the client is
 * caught up waits for the next flush slot, 50 ms at most. While the stream keeps falling behind
 * the kept window, it gets a sample: `behindChunkBytes` every `behindIntervalMs`. When the output is complete and all
 * sent: `end` with the session, then the stream closes once the socket has taken it.
 */
export class OutputFollower {
  readonly #options: OutputFollowerOptions;
  readonly #connection: SseConnection;
  readonly #source: OutputSource;
  readonly #intervalMs: number;
  readonly #behindIntervalMs: number;
  readonly #maxBytes: number;
  readonly #behindMaxBytes: number;
  readonly #now: () => number;
  #offset: number;
  /** The flush slot (a multiple of the interval, epoch ms) of the last flush. */
  #lastSlot = Number.NEGATIVE_INFINITY;
  /** The slot the pump under way was scheduled for. */
  #slot: number | undefined;
  #lastWriteAt: number;
  #stalledSince: number | undefined;
  #timer: unknown;
  #cancelWait: (() => void) | undefined;
  #reading = false;
  /** The source changed since the last read began. */
  #changed = false;
  #ending = false;
  #closed = false;
  /** The last flush began with `truncated`, and was not the first. */
  #behind = false;
  #flushes = 0;

  constructor(options: OutputFollowerOptions) {
    this.#options = options;
    this.#connection = options.connection;
    this.#source = options.source;
    this.#intervalMs = 1000 / (options.maxChunksPerSecond ?? OUTPUT_LIMITS.maxChunksPerSecond);
    this.#behindIntervalMs = Math.max(this.#intervalMs, options.behindIntervalMs ?? 250);
    this.#maxBytes = options.maxChunkBytes ?? OUTPUT_LIMITS.maxChunkBytes;
    this.#behindMaxBytes = Math.min(this.#maxBytes, options.behindChunkBytes ?? 16 * 1024);
    this.#now = options.now ?? Date.now;
    this.#offset = options.after ?? 0;
    this.#lastWriteAt = this.#now();
  }

  /** Writes `retry:` and starts following. */
  start(): void {
    this.#connection.onClose(() => this.#stop());
    this.#write(Buffer.from(encodeFrame({ retry: this.#options.retryMs })));
    void this.#pump();
  }

  /** Sends a `ping` when nothing was written for `idleMs` and the socket is free. */
  pingIfIdle(idleMs: number): void {
    const now = this.#now();
    if (this.#closed || this.#ending || now - this.#lastWriteAt < idleMs || this.#connection.bufferedBytes > 0) return;
    const ping: PingEvent = { type: 'ping', at: now };
    this.#write(frame('ping', ping));
  }

  /** Ends the stream now. */
  close(): void {
    this.#connection.close();
    this.#stop();
  }

  async #pump(): Promise<void> {
    if (this.#closed || this.#reading || this.#ending) return;
    this.#clearTimer();
    if (!this.#drained()) {
      this.#retryLater();
      return;
    }
    this.#reading = true;
    // Listening from before the read, so that a change while it is under way is not missed.
    this.#changed = false;
    this.#cancelWait ??= this.#source.onChange(() => this.#onChange());
    let read: OutputRead;
    try {
      read = await this.#source.read(this.#offset, this.#behind ? this.#behindMaxBytes : this.#maxBytes, this.#options.memo);
    } catch {
      // The output could not be read (a disk error): the client resumes from its last id.
      this.close();
      return;
    } finally {
      this.#reading = false;
    }
    if (this.#closed) return;
    if (read.removed) {
      this.close();
      return;
    }
    const flushed = this.#flush(read);
    if (read.ended && this.#offset >= read.end) {
      this.#end(read.end);
    } else if (this.#offset < read.end || this.#changed) {
      this.#cancelWait?.();
      this.#cancelWait = undefined;
      this.#schedule(flushed ? 0 : this.#intervalMs);
    }
    // Otherwise caught up: the listener wakes it at the next change.
  }

  /** Writes what was read, as one write; false when there was nothing. */
  #flush(read: OutputRead): boolean {
    const truncated = read.from > this.#offset;
    if (!truncated && read.chunks.length === 0) return false;
    if (truncated) {
      this.#write(frame('truncated', { type: 'truncated', from: read.from }));
      this.#offset = read.from;
    }
    const last = read.chunks.at(-1);
    let bytes = 0;
    if (last !== undefined) {
      // Written on its own: the same buffer for every stream, framed for HTTP once as well.
      this.#write(outputFrames(read.chunks));
      bytes = last.offset - this.#offset;
      this.#offset = last.offset;
    }
    const now = this.#now();
    this.#lastSlot = this.#slot ?? Math.ceil(now / this.#intervalMs) * this.#intervalMs;
    this.#behind = truncated && this.#flushes > 0;
    this.#flushes += 1;
    this.#options.onFlush?.({ events: read.chunks.length, bytes, truncated });
    return true;
  }

  #end(offset: number): void {
    const session = this.#options.session();
    if (session === undefined) {
      this.close();
      return;
    }
    this.#ending = true;
    this.#write(frame('end', { type: 'end', session, offset }));
    this.#closeWhenDrained();
  }

  /** Closing with bytes still queued would cut them off: wait until the socket has taken them. */
  #closeWhenDrained(): void {
    if (this.#closed) return;
    if (this.#drained()) this.close();
    else this.#retryLater();
  }

  /** True when the socket has taken everything; cuts off a client that has not drained for `stallMs`. */
  #drained(): boolean {
    if (this.#connection.bufferedBytes === 0) {
      this.#stalledSince = undefined;
      return true;
    }
    const now = this.#now();
    this.#stalledSince ??= now;
    if (now - this.#stalledSince >= this.#options.stallMs) this.close();
    return false;
  }

  /** Tries again (to read, or to close) in a flush interval, for a socket still busy. */
  #retryLater(): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#timer = this.#options.timers.setTimeout(() => {
      this.#timer = undefined;
      if (this.#ending) this.#closeWhenDrained();
      else void this.#pump();
    }, this.#intervalMs);
  }

  #onChange(): void {
    this.#cancelWait = undefined;
    this.#changed = true;
    if (!this.#reading) this.#schedule(0);
  }

  /**
   * Pumps at the next flush slot after the last one, and not before `minWaitMs`. Slots are the
   * multiples of the interval on the clock, shared by every follower: followers of one source
   * flush together and read the same ranges, and a stream gets one flush a slot at most.
   */
  #schedule(minWaitMs: number): void {
    if (this.#closed || this.#timer !== undefined) return;
    const now = this.#now();
    const interval = this.#behind ? this.#behindIntervalMs : this.#intervalMs;
    const slot = Math.max(this.#lastSlot + interval, Math.ceil((now + minWaitMs) / interval) * interval);
    this.#timer = this.#options.timers.setTimeout(
      () => {
        this.#timer = undefined;
        this.#slot = slot;
        void this.#pump().finally(() => (this.#slot = undefined));
      },
      Math.max(0, slot - now),
    );
  }

  #write(bytes: Buffer): void {
    this.#connection.write(bytes);
    this.#lastWriteAt = this.#now();
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    this.#options.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #stop(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimer();
    this.#cancelWait?.();
    this.#cancelWait = undefined;
    this.#options.onClose?.();
  }
}
