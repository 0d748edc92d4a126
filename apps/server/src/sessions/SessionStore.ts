import type { Session, SessionListResponse } from '@sessionboard/protocol';
import { isLiveStatus } from '@sessionboard/protocol';
import type { SseBroker } from '@sessionboard/sse-broker';
import type { CreateSessionInput, SessionManager } from './SessionManager.ts';

/** The signals `DELETE /api/sessions/:id` can stop a live session with. */
export type StopSignal = 'SIGTERM' | 'SIGKILL';

/** What `DELETE /api/sessions/:id` did. */
export type DeleteOutcome =
  /** 202: a live session is being stopped; its state now. */
  | { type: 'stopping'; session: Session }
  /** 204: an ended session was removed. */
  | { type: 'removed' }
  /** 404. */
  | { type: 'not_found' };

/**
 * Every session the server answers for, as the routes read and change them: this server's
 * own ({@link LocalSessionStore}), or the whole cluster's (`ClusterSessionStore`).
 */
export interface SessionStore {
  /** The sessions for a stream's snapshot, read in the same tick as the log's last id. */
  snapshot(): Session[];
  /** The list and the id of the last event it reflects, read together. */
  list(): SessionListResponse | Promise<SessionListResponse>;
  get(id: string): Session | undefined | Promise<Session | undefined>;
  /** Starts a process here; see {@link SessionManager.create}. */
  create(input: CreateSessionInput): Promise<Session>;
  /** Stops a live session (with `signal`, default SIGTERM then SIGKILL after the grace) or removes an ended one. */
  delete(id: string, signal?: StopSignal): DeleteOutcome | Promise<DeleteOutcome>;
}

/** Stops a live session of this server's manager: SIGTERM (SIGKILL after the grace), or SIGKILL at once. */
export function stopSession(manager: SessionManager, id: string, signal: StopSignal = 'SIGTERM'): Session | undefined {
  return signal === 'SIGKILL' ? manager.killNow(id) : manager.terminate(id);
}

/** A server on its own: everything is the manager's, and every change is published synchronously. */
export class LocalSessionStore implements SessionStore {
  readonly #manager: SessionManager;
  readonly #broker: SseBroker;

  constructor(manager: SessionManager, broker: SseBroker) {
    this.#manager = manager;
    this.#broker = broker;
  }

  snapshot(): Session[] {
    return this.#manager.list();
  }

  list(): SessionListResponse {
    // Both read in the same tick: every change is published synchronously, so the list is
    // exactly the state after event `lastEventId`.
    return { sessions: this.#manager.list(), lastEventId: this.#broker.lastEventId };
  }

  get(id: string): Session | undefined {
    return this.#manager.get(id);
  }

  create(input: CreateSessionInput): Promise<Session> {
    return this.#manager.create(input);
  }

  delete(id: string, signal?: StopSignal): DeleteOutcome {
    const session = this.#manager.get(id);
    if (!session) return { type: 'not_found' };
    if (isLiveStatus(session.status)) return { type: 'stopping', session: stopSession(this.#manager, id, signal) ?? session };
    this.#manager.remove(id);
    return { type: 'removed' };
  }
}
