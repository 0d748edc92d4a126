import type { EventLog, EventLogListener, LoggedEvent } from '@sessionboard/sse-broker';
import { encodeFrame } from '@sessionboard/sse-broker';
import { START_STREAM_ID, compareStreamIds, formatClusterEventId, parseClusterEventId } from './clusterEventId.ts';

/** One entry of the Redis stream, as read from it. */
export interface StreamEntry {
  streamId: string;
  event: string;
  data: string;
}

/** Options of {@link RedisEventLog}. */
export interface RedisEventLogOptions {
  /** How many recent events stay available for resuming (`SSE_REPLAY_EVENTS`). */
  capacity: number;
  /** Sends an appended event on its way to the Redis stream (the engine's outbox). */
  submit: (event: string, data: string) => void;
}

interface Kept extends LoggedEvent {
  readonly streamId: string;
}

/**
 * The event log of a cluster: the Redis stream is the log, and this is its local mirror, a
 * ring of the last `capacity` entries the engine has read (loaded at start, then fed by the
 * one tail of the stream), so that `after(id)` is answered here, synchronously, and the
 * broker's `connect` stays gapless. `append` only submits: the event comes back through
 * {@link take} in cluster order, with its cluster-wide id, and only then is it fanned out.
 * Ids are `<epoch>-<stream id>` ({@link formatClusterEventId}).
 */
export class RedisEventLog implements EventLog {
  readonly #capacity: number;
  readonly #submit: (event: string, data: string) => void;
  #listener: EventLogListener | undefined;
  #epoch = 'unloaded';
  /** The stream id just before the oldest kept entry: the ring holds every entry after it. */
  #base = START_STREAM_ID;
  #last = START_STREAM_ID;
  /** Kept entries, oldest first, from index `#start` on (older slots are spliced off in bulk). */
  #ring: Kept[] = [];
  #start = 0;

  constructor(options: RedisEventLogOptions) {
    if (!Number.isSafeInteger(options.capacity) || options.capacity < 0) {
      throw new RangeError(`capacity must be a non-negative integer, got ${options.capacity}`);
    }
    this.#capacity = options.capacity;
    this.#submit = options.submit;
  }

  /** The epoch of the dataset the log mirrors. */
  get epoch(): string {
    return this.#epoch;
  }

  /** The stream id of the newest entry taken in ({@link START_STREAM_ID} for an empty stream). */
  get lastStreamId(): string {
    return this.#last;
  }

  get lastId(): string {
    return formatClusterEventId(this.#epoch, this.#last);
  }

  get size(): number {
    return this.#ring.length - this.#start;
  }

  append(event: string, data: string): undefined {
    this.#submit(event, data);
  }

  listen(listener: EventLogListener): void {
    this.#listener = listener;
  }

  after(id: string): readonly LoggedEvent[] | undefined {
    const parsed = parseClusterEventId(id);
    if (parsed === undefined || parsed.epoch !== this.#epoch) return undefined;
    const { streamId } = parsed;
    if (streamId === this.#last) return [];
    if (streamId === this.#base) return this.#ring.slice(this.#start);
    const index = this.#indexOf(streamId);
    return index < 0 ? undefined : this.#ring.slice(index + 1);
  }

  /**
   * Takes in the next entry of the stream (the tail read it), keeps it and hands it to the
   * broker to be fanned out.
   */
  take(entry: StreamEntry): LoggedEvent {
    const id = formatClusterEventId(this.#epoch, entry.streamId);
    const kept: Kept = {
      id,
      event: entry.event,
      data: entry.data,
      frame: Buffer.from(encodeFrame({ id, event: entry.event, data: entry.data })),
      streamId: entry.streamId,
    };
    this.#last = entry.streamId;
    if (this.#capacity === 0) {
      this.#base = entry.streamId;
    } else {
      this.#ring.push(kept);
      if (this.size > this.#capacity) {
        this.#base = (this.#ring[this.#start] as Kept).streamId;
        this.#start += 1;
        // Drop the spent slots now and then, not on every event.
        if (this.#start >= this.#capacity) {
          this.#ring = this.#ring.slice(this.#start);
          this.#start = 0;
        }
      }
    }
    this.#listener?.event(kept);
    return kept;
  }

  /**
   * Starts over from what was loaded from Redis: `entries` are the newest entries of the
   * stream, oldest first, and `base` the stream id of the entry before the first of them
   * (or of the newest entry when `entries` is empty but the stream is not). With `notify`,
   * the broker ends its open streams, whose clients then resume against the new state.
   */
  reset(epoch: string, base: string, entries: readonly StreamEntry[], notify: boolean): void {
    this.#epoch = epoch;
    this.#ring = [];
    this.#start = 0;
    this.#base = base;
    this.#last = base;
    const listener = this.#listener;
    this.#listener = undefined;
    for (const entry of entries) this.take(entry);
    this.#listener = listener;
    if (notify) this.#listener?.reset();
  }

  /** Binary search for an exact stream id among the kept entries; -1 when not kept. */
  #indexOf(streamId: string): number {
    let low = this.#start;
    let high = this.#ring.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = compareStreamIds((this.#ring[middle] as Kept).streamId, streamId);
      if (order === 0) return middle;
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }
}
