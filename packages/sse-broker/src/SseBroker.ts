import type { EventLog, LoggedEvent } from './EventLog.ts';
import { MemoryEventLog } from './MemoryEventLog.ts';
import type { SseConnection } from './SseConnection.ts';
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
   * client resumes by id). Bounds the memory a slow reader can cost. @default 262144
   */
  maxBufferedBytes?: number;
  /** The name of the heartbeat event. @default 'ping' */
  pingEvent?: string;
  /** The data of a heartbeat sent at `at` (epoch ms). @default `{"type":"ping","at":at}` */
  pingData?: (at: number) => string;
  /** @default Date.now */
  now?: () => number;
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
  /** Builds the snapshot, called only when the client cannot be resumed; sent with the log's last id. */
  snapshot: () => SnapshotFrame;
}

/** How a stream started. */
export type ConnectOutcome = 'snapshot' | 'replayed' | 'unknown_id';

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
}

interface Client {
  readonly connection: SseConnection;
  /** When the client was last written to (epoch ms), for the heartbeat sweep. */
  lastWriteAt: number;
}

/**
 * Fans events out to open streams. Each event's frame is encoded once, when it is published,
 * and the same bytes go to every stream.
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
  #sweep: unknown;
  #draining = false;
  readonly #stats: Omit<BrokerStats, 'connections'> = {
    eventsPublished: 0,
    framesSent: 0,
    pingsSent: 0,
    resumesReplayed: 0,
    resumesUnknownId: 0,
    slowClosed: 0,
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
   * nothing can be published between the replay and the registration.
   */
  connect(connection: SseConnection, options: ConnectOptions): ConnectOutcome {
    let outcome: ConnectOutcome = 'snapshot';
    const chunks: Buffer[] = [this.#retryFrame];
    const replay = options.lastEventId === undefined ? undefined : this.#log.after(options.lastEventId);
    if (replay) {
      outcome = 'replayed';
      this.#stats.resumesReplayed += 1;
      for (const event of replay) chunks.push(event.frame);
    } else {
      if (options.lastEventId !== undefined) {
        outcome = 'unknown_id';
        this.#stats.resumesUnknownId += 1;
      }
      const snapshot = options.snapshot();
      chunks.push(Buffer.from(encodeFrame({ id: this.#log.lastId, event: snapshot.event, data: snapshot.data })));
    }
    // One write for the whole opening, however many frames it holds.
    connection.write(Buffer.concat(chunks));
    this.#stats.framesSent += chunks.length;

    const client: Client = { connection, lastWriteAt: this.#now() };
    this.#clients.add(client);
    connection.onClose(() => this.#clients.delete(client));
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
    for (const client of this.#clients) client.connection.close();
    this.#clients.clear();
    this.#stopSweep();
  }

  stats(): BrokerStats {
    return { connections: this.#clients.size, ...this.#stats };
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
    const now = this.#now();
    for (const client of this.#clients) this.#send(client, frame, now);
  }

  /** One sweep for all streams: ping those idle for a heartbeat interval. */
  #heartbeat(): void {
    if (this.#clients.size === 0) {
      this.#stopSweep();
      return;
    }
    const now = this.#now();
    // Checked every half interval, so a stream is pinged after 1 to 1.5 intervals of silence.
    const idleSince = now - this.#heartbeatMs;
    let frame: Buffer | undefined;
    for (const client of this.#clients) {
      if (client.lastWriteAt > idleSince) continue;
      frame ??= Buffer.from(encodeFrame({ event: this.#pingEvent, data: this.#pingData(now) }));
      if (this.#send(client, frame, now)) this.#stats.pingsSent += 1;
    }
  }

  /** Writes one frame; closes the stream instead when its client has stopped draining. */
  #send(client: Client, frame: Buffer, now: number): boolean {
    const { connection } = client;
    if (!connection.write(frame) && connection.bufferedBytes > this.#maxBufferedBytes) {
      this.#stats.slowClosed += 1;
      this.#clients.delete(client);
      connection.close();
      return false;
    }
    client.lastWriteAt = now;
    this.#stats.framesSent += 1;
    return true;
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

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
