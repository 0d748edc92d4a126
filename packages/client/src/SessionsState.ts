import type { Session, SessionChangeEvent } from '@sessionboard/protocol';
import type { ConnectionStatus } from './ConnectionStatus.ts';

/** How many applied event ids a state remembers to ignore a repeated event. */
export const RECENT_EVENT_IDS = 256;

/**
 * Everything a client knows, as a plain serialisable object (`structuredClone` and
 * `postMessage` keep it whole), so another tab can be handed it as is. Never mutated:
 * every change makes a new object.
 */
export interface SessionsState {
  /** Sessions by id. */
  readonly sessions: Readonly<Record<string, Session>>;
  readonly status: ConnectionStatus;
  /** Epoch ms of the last applied snapshot, poll or change; null before the first. */
  readonly lastUpdateAt: number | null;
  /** The cursor: the id of the last event the sessions reflect; resuming sends it back. */
  readonly lastEventId: string | null;
  /** Ids of the last {@link RECENT_EVENT_IDS} applied events, oldest first. */
  readonly recentEventIds: readonly string[];
  /** The server's heartbeat interval from the last stream snapshot; null before one. */
  readonly heartbeatMs: number | null;
  /** Why the connection is not live, in words a person can act on; null when it is. */
  readonly error: string | null;
  /**
   * True while the server refuses this client's credentials (401, auth is on): the client
   * retries nothing until `reconnect()` after a sign-in. Absent otherwise.
   */
  readonly authRequired?: true;
}

/**
 * One change to a {@link SessionsState}; serialisable, so a tab holding the connection
 * can pass what it applies to the others.
 */
export type SessionsMessage =
  /** The whole list, from a stream snapshot (`heartbeatMs` set) or a poll (`heartbeatMs` null). */
  | {
      type: 'snapshot';
      sessions: Session[];
      lastEventId: string | null;
      heartbeatMs: number | null;
      /** Epoch ms when it was received. */
      at: number;
    }
  /** One stream event; ignored when its id was applied before. */
  | { type: 'change'; event: SessionChangeEvent; id: string | null; at: number }
  /** `authRequired` marks a refusal for want of credentials (see {@link SessionsState.authRequired}). */
  | { type: 'status'; status: ConnectionStatus; error: string | null; authRequired?: boolean }
  /** A session from a REST answer; kept only if newer than the one held. Moves no cursor. */
  | { type: 'upsert'; session: Session }
  /** A session the server said it removed (`DELETE` answered 204). Moves no cursor. */
  | { type: 'remove'; id: string }
  /** The whole state, handed over by the tab holding the connection: replaces everything. */
  | { type: 'state'; state: SessionsState };

/** A state with no sessions, no cursor, and status `connecting`. */
export function createSessionsState(): SessionsState {
  return {
    sessions: {},
    status: 'connecting',
    lastUpdateAt: null,
    lastEventId: null,
    recentEventIds: [],
    heartbeatMs: null,
    error: null,
  };
}

/**
 * Applies one message. Returns `state` itself when the message changes nothing (a
 * repeated event, the same status), so callers can skip notifying.
 */
export function reduceSessionsState(state: SessionsState, message: SessionsMessage): SessionsState {
  switch (message.type) {
    case 'snapshot': {
      const sessions: Record<string, Session> = {};
      for (const session of message.sessions) sessions[session.id] = session;
      return {
        ...state,
        sessions,
        lastUpdateAt: message.at,
        lastEventId: message.lastEventId ?? state.lastEventId,
        recentEventIds: remember(state.recentEventIds, message.lastEventId),
        heartbeatMs: message.heartbeatMs ?? state.heartbeatMs,
      };
    }
    case 'change': {
      if (message.id !== null && state.recentEventIds.includes(message.id)) return state;
      const { event } = message;
      const sessions = { ...state.sessions };
      if (event.type === 'session_removed') delete sessions[event.session.id];
      else sessions[event.session.id] = event.session;
      return {
        ...state,
        sessions,
        lastUpdateAt: message.at,
        lastEventId: message.id ?? state.lastEventId,
        recentEventIds: remember(state.recentEventIds, message.id),
      };
    }
    case 'status': {
      const authRequired = message.authRequired === true;
      if (state.status === message.status && state.error === message.error && (state.authRequired === true) === authRequired) {
        return state;
      }
      // The flag is left out rather than false, so a state without it reads as before.
      const { authRequired: _dropped, ...rest } = state;
      const next = { ...rest, status: message.status, error: message.error };
      return authRequired ? { ...next, authRequired: true } : next;
    }
    case 'upsert': {
      const held = state.sessions[message.session.id];
      if (held !== undefined && !(Date.parse(message.session.updatedAt) > Date.parse(held.updatedAt))) {
        return state;
      }
      return { ...state, sessions: { ...state.sessions, [message.session.id]: message.session } };
    }
    case 'remove': {
      if (!(message.id in state.sessions)) return state;
      const sessions = { ...state.sessions };
      delete sessions[message.id];
      return { ...state, sessions };
    }
    case 'state':
      return message.state;
  }
}

function remember(ids: readonly string[], id: string | null): readonly string[] {
  if (id === null || ids.includes(id)) return ids;
  const next = [...ids, id];
  return next.length > RECENT_EVENT_IDS ? next.slice(next.length - RECENT_EVENT_IDS) : next;
}
