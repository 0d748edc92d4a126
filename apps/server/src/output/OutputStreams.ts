import type { Session } from '@sessionboard/protocol';
import type { SseConnection } from '@sessionboard/sse-broker';
import type { CaptureTimers } from './OutputCapture.ts';
import { OutputFollower } from './OutputFollower.ts';
import type { OutputSource } from './OutputSource.ts';
import { RecentReads } from './RecentReads.ts';
import { unrefTimers } from './unrefTimers.ts';

/** Timer functions for the heartbeat sweep and the followers, injectable for tests. */
export interface OutputStreamsTimers extends CaptureTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Options of {@link OutputStreams}. */
export interface OutputStreamsOptions {
  /** A stream idle this long gets a `ping` (`SSE_HEARTBEAT_MS`). */
  heartbeatMs: number;
  /** The `retry:` each stream starts with, in ms. */
  retryMs: number;
  /** A client whose socket has not drained this long is cut off. @default 2.5 × heartbeatMs */
  stallMs?: number;
  /** @default Date.now */
  now?: () => number;
  timers?: OutputStreamsTimers;
}

/** Counters for metrics. */
export interface OutputStreamsStats {
  /** Output streams open now. */
  open: number;
  /** `output` events written. */
  events: number;
  /** Bytes of output sent. */
  bytes: number;
  /** `truncated` events written: a follower fell behind the kept window. */
  truncated: number;
}

/** What a new output stream follows. */
export interface FollowOptions {
  source: OutputSource;
  /** The client's last event id, as an offset; undefined: from the start. */
  after: number | undefined;
  /** The session's state now, for `end`. */
  session: () => Session | undefined;
}

/**
 * The open output streams of this server: one {@link OutputFollower} each, one heartbeat
 * sweep for all (every half interval, a `ping` to those idle for `heartbeatMs`), and for each
 * session followed a {@link RecentReads} its followers share, so that a range read by many is
 * decoded and encoded once.
 */
export class OutputStreams {
  readonly #followers = new Set<OutputFollower>();
  /** One memo per source followed, shared by its followers; dropped with the last of them. */
  readonly #memos = new Map<OutputSource, { memo: RecentReads; followers: number }>();
  readonly #options: OutputStreamsOptions;
  readonly #timers: OutputStreamsTimers;
  readonly #stats = { events: 0, bytes: 0, truncated: 0 };
  #sweep: unknown;

  constructor(options: OutputStreamsOptions) {
    this.#options = options;
    this.#timers = options.timers ?? unrefTimers;
  }

  get count(): number {
    return this.#followers.size;
  }

  /** Starts following on an open stream; it ends when the output has, or the client leaves. */
  follow(connection: SseConnection, options: FollowOptions): OutputFollower {
    const { source } = options;
    let shared = this.#memos.get(source);
    if (shared === undefined) {
      shared = { memo: new RecentReads(), followers: 0 };
      this.#memos.set(source, shared);
    }
    shared.followers += 1;
    const follower = new OutputFollower({
      connection,
      ...options,
      memo: shared.memo,
      retryMs: this.#options.retryMs,
      stallMs: this.#options.stallMs ?? this.#options.heartbeatMs * 2.5,
      now: this.#options.now,
      timers: this.#timers,
      onFlush: ({ events, bytes, truncated }) => {
        this.#stats.events += events;
        this.#stats.bytes += bytes;
        if (truncated) this.#stats.truncated += 1;
      },
      onClose: () => {
        this.#followers.delete(follower);
        if (--shared.followers === 0) this.#memos.delete(source);
        if (this.#followers.size === 0) this.#stopSweep();
      },
    });
    this.#followers.add(follower);
    this.#startSweep();
    follower.start();
    return follower;
  }

  /** Ends every output stream. */
  closeAll(): void {
    for (const follower of [...this.#followers]) follower.close();
    this.#stopSweep();
  }

  stats(): OutputStreamsStats {
    return { open: this.#followers.size, ...this.#stats };
  }

  #startSweep(): void {
    if (this.#sweep !== undefined) return;
    const { heartbeatMs } = this.#options;
    this.#sweep = this.#timers.setInterval(() => {
      for (const follower of this.#followers) follower.pingIfIdle(heartbeatMs);
    }, Math.max(1, Math.floor(heartbeatMs / 2)));
  }

  #stopSweep(): void {
    if (this.#sweep === undefined) return;
    this.#timers.clearInterval(this.#sweep);
    this.#sweep = undefined;
  }
}
