import type { Session, SessionListResponse } from '@sessionboard/protocol';
import { isLiveStatus } from '@sessionboard/protocol';
import { HttpError } from '../http/HttpError.ts';
import { changeEventData } from '../sessions/SessionBroadcaster.ts';
import type { CreateSessionInput, SessionManager } from '../sessions/SessionManager.ts';
import type { DeleteOutcome, SessionStore, StopSignal } from '../sessions/SessionStore.ts';
import { ClusterRequestError, type ClusterRequests } from './ClusterRequests.ts';
import type { RedisEngine } from './RedisEngine.ts';

/** Options of {@link ClusterSessionStore}. */
export interface ClusterSessionStoreOptions {
  engine: RedisEngine;
  manager: SessionManager;
  requests: ClusterRequests;
  /** True while Redis is reachable: changes are refused otherwise. */
  isUp: () => boolean;
  /** Stops a live session of this instance's manager with a signal. */
  stopLocal: (id: string, signal: StopSignal) => Session | undefined;
  /** @default Date.now */
  now?: () => number;
}

/** `Retry-After` of a change refused because Redis or another instance is out of reach, in seconds. */
export const UNAVAILABLE_RETRY_AFTER_S = 5;
/** How long a read waits for the local mirror to catch up with Redis. */
const CATCH_UP_MS = 1000;
/** How long a change waits to be in Redis and back before it is answered anyway. */
const SETTLE_MS = 2000;
/** How long a remote instance has to answer a stop. */
const REQUEST_MS = 3000;

function unavailable(message: string): HttpError {
  return new HttpError(503, 'unavailable', message, undefined, { retryAfterS: UNAVAILABLE_RETRY_AFTER_S });
}

/**
 * The sessions of the whole cluster, as every instance answers for them. Reads come from
 * the local mirror of the registry, after catching up with the stream's newest entry (so
 * a client that changed something on one instance reads it on any other). `POST` starts
 * the process here; `DELETE` of a live session is sent to the instance that runs it (its
 * manager sends the signals), and an ended session is removed from the registry directly,
 * by whichever instance is asked. Every change waits (a bounded time) until it is in Redis
 * and back in the local mirror before it is answered. While Redis is out of reach, changes
 * answer 503 `unavailable` with `Retry-After`.
 */
export class ClusterSessionStore implements SessionStore {
  readonly #engine: RedisEngine;
  readonly #manager: SessionManager;
  readonly #requests: ClusterRequests;
  readonly #isUp: () => boolean;
  readonly #stopLocal: ClusterSessionStoreOptions['stopLocal'];
  readonly #now: () => number;

  constructor(options: ClusterSessionStoreOptions) {
    this.#engine = options.engine;
    this.#manager = options.manager;
    this.#requests = options.requests;
    this.#isUp = options.isUp;
    this.#stopLocal = options.stopLocal;
    this.#now = options.now ?? Date.now;
    options.requests.handle('stop', async ({ id, signal }) => {
      const session = this.#manager.get(id) === undefined ? undefined : this.#stopLocal(id, signal);
      await this.#engine.settled(SETTLE_MS);
      return { session: session ?? null };
    });
  }

  snapshot(): Session[] {
    return this.#engine.registry.list();
  }

  async list(): Promise<SessionListResponse> {
    await this.#catchUp();
    // Read together, in one tick: the mirror is exactly the state after the log's last id.
    return { sessions: this.#engine.registry.list(), lastEventId: this.#engine.log.lastId };
  }

  async get(id: string): Promise<Session | undefined> {
    await this.#catchUp();
    return this.#engine.registry.get(id) ?? this.#manager.get(id);
  }

  async create(input: CreateSessionInput): Promise<Session> {
    this.#requireUp();
    const session = await this.#manager.create(input);
    await this.#engine.settled(SETTLE_MS);
    return session;
  }

  async delete(id: string, signal: StopSignal = 'SIGTERM'): Promise<DeleteOutcome> {
    this.#requireUp();
    await this.#engine.caughtUp(CATCH_UP_MS);
    const local = this.#manager.get(id);
    const held = this.#engine.registry.get(id) ?? local;
    if (held === undefined) return { type: 'not_found' };

    if (local !== undefined) {
      if (isLiveStatus(local.status)) {
        const session = this.#stopLocal(id, signal) ?? local;
        await this.#engine.settled(SETTLE_MS);
        return { type: 'stopping', session };
      }
      this.#manager.remove(id);
      await this.#engine.settled(SETTLE_MS);
      return { type: 'removed' };
    }

    if (isLiveStatus(held.status)) {
      let reply: { session: Session | null };
      try {
        reply = await this.#requests.request(held.instance, 'stop', { id, signal }, REQUEST_MS);
      } catch (error) {
        if (!(error instanceof ClusterRequestError)) throw error;
        throw unavailable(`Instance ${held.instance}, which runs this session, did not answer (${error.message}); try again shortly.`);
      }
      await this.#engine.caughtUp(CATCH_UP_MS);
      const session = reply.session ?? this.#engine.registry.get(id);
      return session === undefined ? { type: 'not_found' } : { type: 'stopping', session };
    }

    // An ended session of another instance (alive or not): removed here, once, whoever else tries.
    const at = this.#now();
    const removed = await this.#engine.compareAndChange([
      { expected: held, name: 'session_removed', session: held, data: changeEventData('session_removed', held, at) },
    ]);
    if (removed === 'epoch') throw unavailable('The cluster is reloading its state from Redis; try again shortly.');
    await this.#engine.caughtUp(CATCH_UP_MS);
    // Changed meanwhile: removed by someone else (gone now), or revived by its instance.
    if (removed === 0 && this.#engine.registry.get(id) !== undefined) {
      throw unavailable('The session changed while it was being removed; try again.');
    }
    return { type: 'removed' };
  }

  /** Catches up with Redis first; while it is out of reach, reads answer from the mirror as it is. */
  async #catchUp(): Promise<void> {
    if (this.#isUp()) await this.#engine.caughtUp(CATCH_UP_MS);
  }

  #requireUp(): void {
    if (!this.#isUp()) throw unavailable('Redis, which the instances of this cluster share, is out of reach, so no change can be made now; try again shortly.');
  }
}
