import { randomBytes } from 'node:crypto';
import type { Session, SessionChangeEventName } from '@sessionboard/protocol';
import { isSessionChangeEventName } from '@sessionboard/protocol';
import type { Logger } from 'pino';
import { START_STREAM_ID, compareStreamIds, createEpoch } from './clusterEventId.ts';
import type { ClusterKeys } from './clusterKeys.ts';
import { clusterScripts } from './clusterScripts.ts';
import { Outbox, type OutboxItem } from './Outbox.ts';
import type { RedisConnections } from './RedisConnections.ts';
import { RedisEventLog, type StreamEntry } from './RedisEventLog.ts';
import { SessionRegistry } from './SessionRegistry.ts';
import { withTimeout } from './withTimeout.ts';

/** Options of {@link RedisEngine}. */
export interface RedisEngineOptions {
  connections: RedisConnections;
  keys: ClusterKeys;
  /** `SSE_REPLAY_EVENTS`: the replay window each instance keeps. */
  replayEvents: number;
  logger: Logger;
  /**
   * Called after the tail applied a change to the registry (and the broker fanned it out),
   * in stream order, with the change's stream id.
   */
  onChange?: (name: SessionChangeEventName, session: Session, streamId: string) => void;
  /**
   * Called when this instance should compare its own sessions with the registry: after each
   * (re)load from Redis, once its own waiting changes are written and read back. `fresh`
   * says Redis lost its data (a new epoch). Changes published from here are queued after.
   */
  onReconcile?: (fresh: boolean) => void;
}

/** How the stream is tailed: entries per read, and how long a read blocks in Redis. */
const TAIL_COUNT = 500;
const TAIL_BLOCK_MS = 5000;
/** Outbox items written per round trip. */
const WRITE_BATCH = 100;
/** The stream keeps at least this many entries, so an instance that fell behind can catch up without a reload. */
const MIN_STREAM_LENGTH = 1000;
/** How long Redis remembers the last seq it applied for a process run. */
const APPLIED_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const RETRY_MS = 250;

interface SettleWaiter {
  seq: number;
  /** The stream id to wait for once the item is acknowledged. */
  streamId?: string;
  resolve: () => void;
}

/**
 * Redis as the engine of the cluster (in the manner of Centrifugo's Redis engine): the
 * stream is the replay log, the hash is the registry, and both change together in Lua.
 *
 * - Loads the registry and the stream's newest entries in one script, so the local mirror
 *   ({@link registry}) and the log ({@link log}) always agree, then tails the stream once
 *   (`XREAD BLOCK` on its own connection), applying each entry to the registry and handing
 *   it to the broker, in cluster order. Each entry names the one before it; a reader that
 *   finds a gap (trimmed while it lagged, Redis lost data or restarted empty, the epoch
 *   changed) loads again, and the broker ends its streams so clients resume.
 * - Writes this instance's changes from an {@link Outbox}, in order, and keeps them while
 *   Redis is unreachable. Redis remembers the last seq it applied for this process, so a
 *   change sent again after a lost reply is not applied twice.
 */
export class RedisEngine {
  readonly log: RedisEventLog;
  readonly registry = new SessionRegistry();
  readonly outbox = new Outbox();
  /** This process run, for the outbox's seqs. */
  readonly runId = randomBytes(8).toString('hex');
  readonly #connections: RedisConnections;
  readonly #keys: ClusterKeys;
  readonly #replayEvents: number;
  readonly #streamLength: number;
  readonly #logger: Logger;
  readonly #onChange: RedisEngineOptions['onChange'];
  readonly #onReconcile: RedisEngineOptions['onReconcile'];
  #closed = false;
  #loaded = false;
  #needLoad = true;
  /** The stream broke its chain: load from scratch even if the last entry read is still there. */
  #gap = false;
  #loading: Promise<void> | undefined;
  /** Bumped by every load: a read started before it is stale. */
  #generation = 0;
  #fresh = false;
  #reconcileWanted = false;
  #writing = false;
  /** The newest stream id among this instance's changes Redis has applied. */
  #ownStreamId = START_STREAM_ID;
  /** Per session, the stream id of this instance's newest change Redis applied, until the tail has read it. */
  readonly #ownLatest = new Map<string, string>();
  #waiters: SettleWaiter[] = [];

  constructor(options: RedisEngineOptions) {
    this.#connections = options.connections;
    this.#keys = options.keys;
    this.#replayEvents = options.replayEvents;
    this.#streamLength = Math.max(options.replayEvents, MIN_STREAM_LENGTH);
    this.#logger = options.logger;
    this.#onChange = options.onChange;
    this.#onReconcile = options.onReconcile;
    this.log = new RedisEventLog({ capacity: options.replayEvents, submit: (event, data) => this.submit(event, data) });
    // Whatever happened to Redis meanwhile (restarted, emptied), load again once it is back.
    this.#connections.onDown(() => {
      if (this.#loaded) this.#requestLoad();
    });
  }

  /** True once loaded, while the command connection is ready and nothing needs reloading. */
  get synced(): boolean {
    return this.#loaded && !this.#needLoad && this.#connections.commandsReady;
  }

  /** Loads from Redis (waiting for it as long as it takes), then starts tailing and writing. */
  async start(): Promise<void> {
    await this.#load();
    void this.#tailLoop();
  }

  /** Queues a change of this instance (from the log's `append`) and writes it as soon as Redis takes it. */
  submit(event: string, data: string): void {
    let session: { id: string; json: string } | undefined;
    if (isSessionChangeEventName(event)) {
      try {
        const changed = (JSON.parse(data) as { session?: Session }).session;
        if (changed !== undefined) session = { id: changed.id, json: JSON.stringify(changed) };
      } catch {
        this.#logger.error({ event }, 'a change event whose data is not JSON was published; it changes no session');
      }
    }
    this.outbox.push(event, data, session);
    this.#write();
  }

  /**
   * Resolves once every change submitted so far is in Redis and back in the local mirror,
   * or after `timeoutMs`, whichever comes first (a change outlives a Redis outage in the
   * outbox either way).
   */
  settled(timeoutMs: number): Promise<void> {
    const seq = this.outbox.lastSeq;
    if (this.#isSettled({ seq, resolve: () => {} })) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: SettleWaiter = { seq, resolve };
      const timer = setTimeout(() => this.#release(waiter), timeoutMs);
      waiter.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#waiters.push(waiter);
    });
  }

  /**
   * Resolves once the local mirror holds every entry the stream had when this was called,
   * or after `timeoutMs`: a read made after it reflects every change acknowledged anywhere
   * before. At once when Redis cannot be asked.
   */
  async caughtUp(timeoutMs: number): Promise<void> {
    if (!this.synced) return;
    const deadline = Date.now() + timeoutMs;
    let newest: string;
    try {
      const top = (await withTimeout(
        this.#connections.commands.call('XREVRANGE', this.#keys.events, '+', '-', 'COUNT', '1'),
        timeoutMs,
        'reading the newest stream id',
      )) as [string, string[]][];
      newest = top[0]?.[0] ?? START_STREAM_ID;
    } catch {
      return;
    }
    const epoch = this.log.epoch;
    while (this.log.epoch === epoch && compareStreamIds(this.log.lastStreamId, newest) < 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /**
   * Makes changes on behalf of other instances, each only if the registry still holds the
   * session exactly as `expected` (see `compareAndChange`). With `dead`, refused when Redis
   * heard that instance within `aliveWithinMs`.
   * @returns how many changes were made, or why none could be.
   */
  async compareAndChange(
    changes: readonly { expected: Session; name: SessionChangeEventName; session: Session; data: string }[],
    dead?: { instance: string; aliveWithinMs: number },
  ): Promise<number | 'alive' | 'epoch'> {
    const args: (string | number)[] = [this.log.epoch, this.#streamLength, dead?.instance ?? '', dead?.aliveWithinMs ?? 0, this.#keys.outputPrefix];
    for (const change of changes) {
      const json = change.name === 'session_removed' ? '' : JSON.stringify(change.session);
      args.push(change.expected.id, JSON.stringify(change.expected), change.name, json, change.data);
    }
    const keys = this.#keys;
    const [status, added] = (await clusterScripts.compareAndChange.run(
      this.#connections.commands,
      [keys.epoch, keys.sessions, keys.events, keys.instances],
      args,
    )) as [string, string[]?];
    if (status === 'ok') return added?.length ?? 0;
    if (status === 'epoch') this.#requestLoad();
    return status === 'alive' ? 'alive' : 'epoch';
  }

  /**
   * True when this instance has a change of session `id` in the stream after `streamId`,
   * which the tail has not read yet: what this instance holds of the session is newer than
   * the entry at `streamId`.
   */
  hasOwnChangeAfter(id: string, streamId: string): boolean {
    const own = this.#ownLatest.get(id);
    return own !== undefined && compareStreamIds(own, streamId) > 0;
  }

  /** Stops tailing and writing; the connections are closed by their owner. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  async #tailLoop(): Promise<void> {
    const { tail } = this.#connections;
    while (!this.#closed) {
      if (this.#needLoad) {
        await this.#load();
        continue;
      }
      const generation = this.#generation;
      let reply: unknown;
      try {
        reply = await tail.call('XREAD', 'COUNT', String(TAIL_COUNT), 'BLOCK', String(TAIL_BLOCK_MS), 'STREAMS', this.#keys.events, this.log.lastStreamId);
      } catch (error) {
        if (this.#closed) return;
        this.#logger.debug({ err: error }, 'reading the stream failed');
        this.#needLoad = true;
        await this.#connections.whenReady(tail);
        continue;
      }
      if (reply === null || generation !== this.#generation) continue;
      const [[, entries] = ['', []]] = reply as [string, [string, string[]][]][];
      for (const [streamId, fields] of entries) {
        if (!this.#take(streamId, fields)) {
          this.#logger.info({ streamId, last: this.log.lastStreamId }, 'the stream has a gap (trimmed while behind, or Redis lost data); reloading');
          this.#needLoad = true;
          this.#gap = true;
          break;
        }
      }
      this.#write();
    }
  }

  /** Applies one entry read from the stream; false when it does not follow the last one taken. */
  #take(streamId: string, fields: string[]): boolean {
    const entry = toEntry(streamId, fields);
    if (entry.prev !== this.log.lastStreamId) return false;
    let change: Session | undefined;
    if (isSessionChangeEventName(entry.event)) {
      try {
        change = (JSON.parse(entry.data) as { session?: Session }).session;
      } catch {
        this.#logger.error({ streamId }, 'a stream entry holds data that is not JSON');
      }
      if (change !== undefined) this.registry.apply(entry.event, change);
    }
    this.log.take(entry);
    this.#checkWaiters();
    if (change === undefined || !isSessionChangeEventName(entry.event)) return true;
    const own = this.#ownLatest.get(change.id);
    if (own !== undefined && compareStreamIds(own, streamId) <= 0) this.#ownLatest.delete(change.id);
    this.#onChange?.(entry.event, change, streamId);
    return true;
  }

  #requestLoad(): void {
    this.#needLoad = true;
    void this.#load();
  }

  /** Loads from Redis until it succeeds; concurrent calls share one load. */
  #load(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        while (!this.#closed) {
          try {
            await this.#connections.whenReady(this.#connections.commands);
            await this.#loadOnce();
            return;
          } catch (error) {
            if (this.#closed) return;
            this.#logger.debug({ err: error }, 'loading from redis failed; retrying');
            await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
          }
        }
      } finally {
        this.#loading = undefined;
      }
    })();
    return this.#loading;
  }

  async #loadOnce(): Promise<void> {
    const keys = this.#keys;
    const mine = this.#loaded ? this.log.lastStreamId : START_STREAM_ID;
    const [epoch, values, newestFirst, mineKept] = (await clusterScripts.load.run(
      this.#connections.commands,
      [keys.epoch, keys.sessions, keys.events],
      [createEpoch(), Math.max(this.#replayEvents, 1), mine],
    )) as [string, string[], [string, string[]][], number];
    const sameEpoch = this.#loaded && epoch === this.log.epoch;
    const continuous = !this.#gap && sameEpoch && (mineKept === 1 || (mine === START_STREAM_ID && newestFirst.length === 0));
    this.#generation += 1;
    this.#needLoad = false;
    this.#gap = false;
    if (!continuous) {
      const entries = newestFirst.reverse().map(([id, fields]) => toEntry(id, fields));
      const sessions: Session[] = [];
      for (const json of values) {
        try {
          sessions.push(JSON.parse(json) as Session);
        } catch {
          this.#logger.error('the registry holds a session that is not JSON; skipped');
        }
      }
      if (this.#loaded && !sameEpoch) {
        this.#logger.warn({ epoch }, 'redis lost its data: republishing this instance\'s sessions');
        // What waited in the outbox was meant for the lost dataset; the reconcile republishes the state instead.
        this.outbox.clear();
        this.#ownStreamId = START_STREAM_ID;
        this.#fresh = true;
      }
      this.registry.reset(sessions);
      this.#ownLatest.clear();
      this.log.reset(epoch, entries[0]?.prev ?? START_STREAM_ID, entries, this.#loaded);
      for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    }
    if (!this.#loaded) this.#logger.info({ epoch, sessions: this.registry.size, lastEventId: this.log.lastId }, 'cluster state loaded from redis');
    this.#loaded = true;
    this.#reconcileWanted = true;
    this.#write();
  }

  /** Writes the outbox in order; then, when asked to and caught up, reconciles. One writer at a time. */
  #write(): void {
    if (this.#writing || this.#closed || !this.#loaded) return;
    this.#writing = true;
    void this.#writeLoop().finally(() => {
      this.#writing = false;
    });
  }

  async #writeLoop(): Promise<void> {
    const keys = this.#keys;
    while (!this.#closed && !this.#needLoad) {
      if (this.outbox.size === 0) {
        // Reconcile against a mirror that shows every change of this instance Redis applied.
        if (!this.#reconcileWanted || compareStreamIds(this.log.lastStreamId, this.#ownStreamId) < 0) return;
        this.#reconcileWanted = false;
        const fresh = this.#fresh;
        this.#fresh = false;
        this.#onReconcile?.(fresh);
        continue;
      }
      const epoch = this.log.epoch;
      const batch = this.outbox.head(WRITE_BATCH);
      let results: [string, string?][];
      try {
        results = (await Promise.all(
          batch.map((item) =>
            clusterScripts.apply.run(
              this.#connections.commands,
              [keys.epoch, keys.sessions, keys.events, keys.applied(this.runId)],
              applyArgs(item, epoch, this.#streamLength, keys.outputPrefix),
            ),
          ),
        )) as [string, string?][];
      } catch (error) {
        if (this.#closed) return;
        this.#logger.debug({ err: error, waiting: this.outbox.size }, 'writing to redis failed; keeping the changes');
        this.#requestLoad();
        return;
      }
      if (epoch !== this.log.epoch) continue;
      for (const [index, [status, added]] of results.entries()) {
        if (status === 'epoch') {
          this.#requestLoad();
          return;
        }
        const item = batch[index] as OutboxItem;
        this.outbox.ack(item.seq);
        if (status !== 'ok' || added === undefined) continue;
        if (compareStreamIds(added, this.#ownStreamId) > 0) this.#ownStreamId = added;
        // Unless the tail has read it already (it may come back before this reply does).
        if (item.sessionId !== undefined && compareStreamIds(added, this.log.lastStreamId) > 0) this.#ownLatest.set(item.sessionId, added);
      }
      this.#checkWaiters();
    }
  }

  #isSettled(waiter: SettleWaiter): boolean {
    const next = this.outbox.head(1)[0];
    if (next !== undefined && next.seq <= waiter.seq) return false;
    waiter.streamId ??= this.#ownStreamId;
    return compareStreamIds(this.log.lastStreamId, waiter.streamId) >= 0;
  }

  #checkWaiters(): void {
    if (this.#waiters.length === 0) return;
    for (const waiter of [...this.#waiters]) if (this.#isSettled(waiter)) this.#release(waiter);
  }

  #release(waiter: SettleWaiter): void {
    const index = this.#waiters.indexOf(waiter);
    if (index >= 0) this.#waiters.splice(index, 1);
    waiter.resolve();
  }
}

function toEntry(streamId: string, fields: string[]): StreamEntry & { prev: string } {
  const entry = { streamId, event: '', data: '', prev: '' };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1] as string;
    if (fields[i] === 'e') entry.event = value;
    else if (fields[i] === 'd') entry.data = value;
    else if (fields[i] === 'p') entry.prev = value;
  }
  return entry;
}

function applyArgs(item: OutboxItem, epoch: string, maxlen: number, outputPrefix: string): (string | number)[] {
  return [epoch, item.seq, item.event, item.sessionId ?? '', item.sessionJson ?? '', item.data, maxlen, APPLIED_TTL_MS, outputPrefix];
}
