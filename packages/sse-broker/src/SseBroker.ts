import type { EventLog, LoggedEvent } from './EventLog.ts';
import { MemoryEventLog } from './MemoryEventLog.ts';
import type { FrameFraming, SseConnection } from './SseConnection.ts';
import { encodeFrame } from './encodeFrame.ts';

/** Timer functions, injectable so tests can drive the heartbeat with fake time. */
export interface BrokerTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Options of {@link SseBroker}. */
export interface SseBrokerOptions {
  /**
   * Where events are kept for resuming. A shared log (one with `listen`) decides the order
   * of events itself and hands them back to be fanned out. @default a MemoryEventLog of `replayEvents`
   */
  log?: EventLog;
  /** Capacity of the default log. @default 1000 */
  replayEvents?: number;
  /** A stream idle this long gets a ping. @default 30000 */
  heartbeatMs?: number;
  /** The `retry:` each stream starts with, in ms. @default 2000 */
  retryMs?: number;
  /** Open streams at most; see {@link SseBroker.isFull}. @default 1000 */
  maxConnections?: number;
  /**
   * Bytes a stream may have queued and undrained after a write before it is closed (its
   * client resumes by id). Bounds the memory a slow reader can cost. The opening (snapshot
   * or replay) is written piece by piece as the stream drains, so it never queues more than a
   * piece; live events queued behind an unfinished opening count against this bound.
   * @default 262144
   */
  maxBufferedBytes?: number;
  /** The name of the heartbeat event. @default 'ping' */
  pingEvent?: string;
  /** The data of a heartbeat sent at `at` (epoch ms). @default `{"type":"ping","at":at}` */
  pingData?: (at: number) => string;
  /** @default Date.now */
  now?: () => number;
  /**
   * Told, after each event written to at least one stream, how long writing it to every open
   * stream took (seconds). For a fan-out time histogram. @default none
   */
  onFanOut?: (seconds: number) => void;
  /** @default the global timers */
  timers?: BrokerTimers;
}

/** What a new stream gets when it cannot (or need not) be resumed. */
export interface SnapshotFrame {
  event: string;
  data: string;
}

/** Options of {@link SseBroker.connect}. */
export interface ConnectOptions {
  /** The id the client last saw (`Last-Event-ID` or `?lastEventId=`). */
  lastEventId?: string | undefined;
  /**
   * Builds the snapshot: the state after the log's last event, sent with that id. Called only
   * when the client cannot be resumed, and at most once per last id: streams that connect in
   * the same state share one encoding, so every caller must describe the same state.
   */
  snapshot: () => SnapshotFrame;
}

/** How a stream started; `refused` when the broker is full or draining (the stream was closed). */
export type ConnectOutcome = 'snapshot' | 'replayed' | 'unknown_id' | 'refused';

/** Counters and gauges for metrics. */
export interface BrokerStats {
  connections: number;
  eventsPublished: number;
  /** Frames written to streams: events, snapshots, replays and pings. */
  framesSent: number;
  pingsSent: number;
  /** Streams resumed from the log. */
  resumesReplayed: number;
  /** Streams that asked to resume from an unknown or too old id and got a snapshot. */
  resumesUnknownId: number;
  /** Streams closed because they stopped draining. */
  slowClosed: number;
  /** Streams refused by {@link SseBroker.connect} itself (full or draining). */
  refused: number;
}

/** Bytes of an opening written at once; the next piece waits until the stream has drained. */
const PIECE_BYTES = 64 * 1024;

/** Frames a stream has not been written yet: the rest of its opening, then live events. */
interface Backlog {
  readonly frames: Buffer[];
  /** The next frame to write, and how much of it was written. */
  index: number;
  offset: number;
  /** Bytes of live events queued behind the opening; bounded by `maxBufferedBytes`. */
  liveBytes: number;
}

interface Client {
  readonly connection: SseConnection;
  /** The framing of a connection that takes framed bytes; undefined when it frames writes itself. */
  readonly framing: FrameFraming | undefined;
  /** When the client was last written to (epoch ms): the sweep pings it, or closes it if its opening is stuck. */
  lastWriteAt: number;
  /** Undefined once everything was written: live events then go straight to the connection. */
  backlog: Backlog | undefined;
}

/** The frame of one event wrapped for one framing, kept while it is written to every stream. */
interface Wrapped {
  framing: FrameFraming | undefined;
  bytes: Buffer | undefined;
}

/**
 * Fans events out to open streams. Each event's frame is encoded once, when it is published,
 * wrapped once per transport framing, and the same bytes go to every stream. A snapshot is
 * encoded once per state. A stream's opening (snapshot or replay) is written with
 * backpressure, live events queue behind it, and a stream that stops reading is closed.
 */
export class SseBroker {
  readonly #log: EventLog;
  readonly #clients = new Set<Client>();
  readonly #heartbeatMs: number;
  readonly #retryFrame: Buffer;
  readonly #maxConnections: number;
  readonly #maxBufferedBytes: number;
  readonly #pingEvent: string;
  readonly #pingData: (at: number) => string;
  readonly #now: () => number;
  readonly #timers: BrokerTimers;
  readonly #onFanOut: ((seconds: number) => void) | undefined;
  #sweep: unknown;
  #draining = false;
  #snapshot: { id: string; frame: Buffer } | undefined;
  readonly #stats: Omit<BrokerStats, 'connections'> = {
    eventsPublished: 0,
    framesSent: 0,
    pingsSent: 0,
    resumesReplayed: 0,
    resumesUnknownId: 0,
    slowClosed: 0,
    refused: 0,
  };

  constructor(options: SseBrokerOptions = {}) {
    this.#log = options.log ?? new MemoryEventLog({ capacity: options.replayEvents ?? 1000 });
    this.#heartbeatMs = positive('heartbeatMs', options.heartbeatMs ?? 30_000);
    this.#retryFrame = Buffer.from(encodeFrame({ retry: options.retryMs ?? 2000 }));
    this.#maxConnections = options.maxConnections ?? 1000;
    this.#maxBufferedBytes = positive('maxBufferedBytes', options.maxBufferedBytes ?? 256 * 1024);
    this.#pingEvent = options.pingEvent ?? 'ping';
    this.#pingData = options.pingData ?? ((at) => `{"type":"ping","at":${at}}`);
    this.#now = options.now ?? Date.now;
    this.#onFanOut = options.onFanOut;
    this.#timers = options.timers ?? {
      setInterval: (callback, ms) => setInterval(callback, ms).unref(),
      clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
    };
    this.#log.listen?.({ event: (logged) => this.#deliver(logged), reset: () => this.#closeStreams() });
  }

  /** The id of the newest event: what a list built now reflects. */
  get lastEventId(): string {
    return this.#log.lastId;
  }

  /** The heartbeat interval in ms. */
  get heartbeatMs(): number {
    return this.#heartbeatMs;
  }

  /** Open streams now. */
  get connectionCount(): number {
    return this.#clients.size;
  }

  /** True when a new stream must be refused (cap reached, or shutting down). */
  isFull(): boolean {
    return this.#draining || this.#clients.size >= this.#maxConnections;
  }

  /**
   * Starts a stream: `retry:`, then the events after `lastEventId` when the log still holds
   * them all, else a snapshot with the log's last id. Live events follow with no gap, since
   * nothing can be published between the replay and the registration. The opening goes out in
   * pieces as the stream drains. Refuses (closes the stream, answers `refused`) when full or
   * draining; callers that want to answer 503 check {@link isFull} before starting a response.
   */
  connect(connection: SseConnection, options: ConnectOptions): ConnectOutcome {
    if (this.isFull()) {
      this.#stats.refused += 1;
      connection.close();
      return 'refused';
    }
    let outcome: ConnectOutcome = 'snapshot';
    const frames: Buffer[] = [this.#retryFrame];
    const replay = options.lastEventId === undefined ? undefined : this.#log.after(options.lastEventId);
    if (replay) {
      outcome = 'replayed';
      this.#stats.resumesReplayed += 1;
      for (const event of replay) frames.push(event.frame);
    } else {
      if (options.lastEventId !== undefined) {
        outcome = 'unknown_id';
        this.#stats.resumesUnknownId += 1;
      }
      frames.push(this.#snapshotFrame(options.snapshot));
    }
    this.#stats.framesSent += frames.length;

    const client: Client = {
      connection,
      framing: connection.writeFramed === undefined ? undefined : connection.framing,
      lastWriteAt: this.#now(),
      backlog: { frames, index: 0, offset: 0, liveBytes: 0 },
    };
    this.#clients.add(client);
    connection.onClose(() => this.#clients.delete(client));
    this.#pump(client);
    this.#startSweep();
    return outcome;
  }

  /**
   * Appends an event to the log and writes its frame to every open stream. With a shared
   * log, the event is written when the log hands it back, and this returns undefined.
   */
  publish(event: string, data: string): LoggedEvent | undefined {
    const logged = this.#log.append(event, data);
    if (logged !== undefined) this.#deliver(logged);
    return logged;
  }

  /** Ends every stream and stops the heartbeat; new streams are refused from now on. */
  drain(): void {
    this.#draining = true;
    this.#closeStreams();
    this.#stopSweep();
  }

  stats(): BrokerStats {
    return { connections: this.#clients.size, ...this.#stats };
  }

  /** The snapshot frame of the current state, encoded on the first call after a change. */
  #snapshotFrame(build: () => SnapshotFrame): Buffer {
    const id = this.#log.lastId;
    if (this.#snapshot?.id !== id) {
      const snapshot = build();
      this.#snapshot = { id, frame: Buffer.from(encodeFrame({ id, event: snapshot.event, data: snapshot.data })) };
    }
    return this.#snapshot.frame;
  }

  #deliver(logged: LoggedEvent): void {
    this.#stats.eventsPublished += 1;
    if (this.#clients.size > 0) this.#fanOut(logged.frame);
  }

  /** Ends every open stream without refusing new ones (the log was rebuilt). */
  #closeStreams(): void {
    for (const client of [...this.#clients]) client.connection.close();
    this.#clients.clear();
  }

  #fanOut(frame: Buffer): void {
    const started = this.#onFanOut === undefined ? 0 : performance.now();
    const now = this.#now();
    const wrapped: Wrapped = { framing: undefined, bytes: undefined };
    for (const client of this.#clients) this.#send(client, frame, wrapped, now);
    this.#onFanOut?.((performance.now() - started) / 1000);
  }

  /** One sweep for all streams: ping those idle for a heartbeat interval, close those stuck as long. */
  #heartbeat(): void {
    if (this.#clients.size === 0) {
      this.#stopSweep();
      return;
    }
    const now = this.#now();
    // Checked every half interval, so a stream is pinged after 1 to 1.5 intervals of silence.
    const idleSince = now - this.#heartbeatMs;
    let frame: Buffer | undefined;
    const wrapped: Wrapped = { framing: undefined, bytes: undefined };
    for (const client of this.#clients) {
      if (client.lastWriteAt > idleSince) continue;
      if (client.backlog !== undefined) {
        this.#closeSlow(client);
        continue;
      }
      frame ??= Buffer.from(encodeFrame({ event: this.#pingEvent, data: this.#pingData(now) }));
      if (this.#send(client, frame, wrapped, now)) this.#stats.pingsSent += 1;
    }
  }

  /**
   * Writes one frame, wrapped once per framing through `wrapped`; queues it behind an
   * unfinished opening; closes the stream instead when its client has stopped draining.
   */
  #send(client: Client, frame: Buffer, wrapped: Wrapped, now: number): boolean {
    const { connection, backlog } = client;
    if (backlog !== undefined) {
      backlog.frames.push(frame);
      backlog.liveBytes += frame.length;
      if (backlog.liveBytes > this.#maxBufferedBytes) {
        this.#closeSlow(client);
        return false;
      }
      this.#stats.framesSent += 1;
      return true;
    }
    let ok: boolean;
    const framing = client.framing;
    if (framing === undefined) {
      ok = connection.write(frame);
    } else {
      if (wrapped.framing !== framing) {
        wrapped.framing = framing;
        wrapped.bytes = framing.wrap(frame);
      }
      ok = (connection.writeFramed as (bytes: Buffer) => boolean)(wrapped.bytes as Buffer);
    }
    if (!ok && connection.bufferedBytes > this.#maxBufferedBytes) {
      this.#closeSlow(client);
      return false;
    }
    client.lastWriteAt = now;
    this.#stats.framesSent += 1;
    return true;
  }

  /** Writes a stream's backlog piece by piece, waiting for the stream to drain between pieces. */
  #pump(client: Client): void {
    const { connection, backlog } = client;
    if (backlog === undefined) return;
    while (backlog.index < backlog.frames.length) {
      const ok = connection.write(nextPiece(backlog));
      if (!ok && connection.onDrain !== undefined && backlog.index < backlog.frames.length) {
        connection.onDrain(() => {
          if (client.backlog !== backlog || !this.#clients.has(client)) return;
          client.lastWriteAt = this.#now();
          this.#pump(client);
        });
        return;
      }
    }
    client.backlog = undefined;
    client.lastWriteAt = this.#now();
  }

  #closeSlow(client: Client): void {
    this.#stats.slowClosed += 1;
    this.#clients.delete(client);
    client.connection.close();
  }

  #startSweep(): void {
    if (this.#sweep !== undefined) return;
    this.#sweep = this.#timers.setInterval(() => this.#heartbeat(), Math.max(1, Math.floor(this.#heartbeatMs / 2)));
  }

  #stopSweep(): void {
    if (this.#sweep === undefined) return;
    this.#timers.clearInterval(this.#sweep);
    this.#sweep = undefined;
  }
}

/** The next bytes of a backlog: small frames joined, a large one sliced, at most a piece. */
function nextPiece(backlog: Backlog): Buffer {
  const { frames } = backlog;
  const first = frames[backlog.index] as Buffer;
  if (first.length - backlog.offset >= PIECE_BYTES) {
    const piece = first.subarray(backlog.offset, backlog.offset + PIECE_BYTES);
    backlog.offset += PIECE_BYTES;
    if (backlog.offset === first.length) {
      backlog.index += 1;
      backlog.offset = 0;
    }
    return piece;
  }
  const parts = [first.subarray(backlog.offset)];
  let size = (parts[0] as Buffer).length;
  backlog.index += 1;
  backlog.offset = 0;
  while (backlog.index < frames.length) {
    const next = frames[backlog.index] as Buffer;
    if (size + next.length > PIECE_BYTES) break;
    parts.push(next);
    size += next.length;
    backlog.index += 1;
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
