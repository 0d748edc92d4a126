import { API_PATHS, DEFAULTS, STREAM_EVENT_NAMES, isSessionChangeEventName } from '@sessionboard/protocol';
import type { SessionChangeEvent, SessionChangeEventName, SessionListResponse, SnapshotEvent } from '@sessionboard/protocol';
import { createSessionsState, reduceSessionsState } from './SessionsState.ts';
import type { SessionsMessage, SessionsState } from './SessionsState.ts';
import { createLiveConnection } from './createLiveConnection.ts';
import type { LiveConnectionMode, LiveConnectionOptions } from './createLiveConnection.ts';

/** Dependencies and tuning of {@link createSessionsClient}; every one has a default. */
export interface SessionsClientOptions extends LiveConnectionOptions {
  /** Prefix of every path, without a trailing slash. @default '' (same origin) */
  baseUrl?: string;
  /** Between polls; also how long one poll may go unanswered before it counts as failed. @default DEFAULTS.pollIntervalMs (10 000) */
  pollIntervalMs?: number;
  /** Heartbeat interval assumed until a snapshot states the server's. @default DEFAULTS.sseHeartbeatMs (30 000) */
  defaultHeartbeatMs?: number;
  /** State to start from, e.g. one handed over by another tab; its cursor is resumed. @default createSessionsState() */
  initialState?: SessionsState;
}

/** Called with the new state and the message that made it, after every change. */
export type SessionsListener = (state: SessionsState, message: SessionsMessage) => void;

/** A live view of the server's sessions. */
export interface SessionsClient {
  /** Opens the stream (or polls without `EventSource`). Idempotent. */
  start(): void;
  /** Closes the stream, stops polling and every timer; status becomes `offline`. Idempotent. */
  stop(): void;
  /**
   * Retries the stream now instead of waiting out the backoff (e.g. on the browser's `online`).
   * After a 401 (`state.authRequired`) the client waits for this call, made once signed in.
   */
  reconnect(): void;
  getState(): SessionsState;
  /** Returns the unsubscribe function. */
  subscribe(listener: SessionsListener): () => void;
  /** Applies a message from outside (a REST answer, another tab) as if received. */
  apply(message: SessionsMessage): void;
}

/** What a {@link createSessionsClient} is doing: the modes of its {@link LiveConnectionMode | live connection}. */
export type SessionsClientMode = LiveConnectionMode;

/**
 * Builds a client that follows `GET /api/sse/sessions`, and on a missing `EventSource`,
 * a refusal (503) or repeated failures polls `GET /api/sessions` while it retries the
 * stream with exponential backoff and full jitter. One cursor, `state.lastEventId`,
 * carries across both modes, so resuming (`?lastEventId=`) neither loses nor repeats a
 * change. A 401 from the stream or a poll stops everything, status `offline` with
 * `authRequired`, until `reconnect()`: retrying cannot help before a sign-in. Nothing
 * happens until `start()`.
 *
 * Its connection is the explicit state machine of {@link createLiveConnection}
 * ({@link SessionsClientMode}): every transition aborts the current attempt (its requests
 * and timers) and starts the next, and every async continuation checks that its attempt is
 * still current (issue 11).
 */
export function createSessionsClient(options: SessionsClientOptions = {}): SessionsClient {
  const baseUrl = options.baseUrl ?? '';
  const now = options.now ?? Date.now;
  const defaultHeartbeatMs = options.defaultHeartbeatMs ?? DEFAULTS.sseHeartbeatMs;
  const streamUrl = `${baseUrl}${API_PATHS.stream}`;

  let state = options.initialState ?? createSessionsState();
  const listeners = new Set<SessionsListener>();

  function dispatch(message: SessionsMessage): void {
    const next = reduceSessionsState(state, message);
    if (next === state) return;
    state = next;
    for (const listener of [...listeners]) listener(state, message);
  }

  const connection = createLiveConnection(options, {
    streamUrl,
    resumeUrl() {
      const cursor = state.lastEventId;
      return cursor === null ? streamUrl : `${streamUrl}?lastEventId=${encodeURIComponent(cursor)}`;
    },
    eventNames: STREAM_EVENT_NAMES,
    onEvent(name, data, id) {
      if (name === 'snapshot' && isSnapshot(data)) {
        dispatch({ type: 'snapshot', sessions: data.sessions, lastEventId: id, heartbeatMs: data.heartbeatMs, at: now() });
      } else if (isSessionChangeEventName(name) && isChange(data, name)) {
        dispatch({ type: 'change', event: data, id, at: now() });
      }
    },
    pollUrl: () => `${baseUrl}${API_PATHS.sessions}`,
    pollIntervalMs: options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
    readPoll(body): SessionsMessage | null {
      const list = body as Partial<SessionListResponse>;
      if (!Array.isArray(list.sessions)) return null;
      return {
        type: 'snapshot',
        sessions: list.sessions,
        lastEventId: typeof list.lastEventId === 'string' ? list.lastEventId : null,
        heartbeatMs: null,
        at: now(),
      };
    },
    unreadablePoll: 'The server sent an unreadable session list.',
    applyPoll: dispatch,
    heartbeatMs: () => state.heartbeatMs ?? defaultHeartbeatMs,
    show({ status = state.status, error = state.error, authRequired }) {
      dispatch(authRequired ? { type: 'status', status, error, authRequired } : { type: 'status', status, error });
    },
    interrupted: 'The live stream was interrupted; reconnecting.',
    silent: 'The live stream went silent; reconnecting.',
  });

  return {
    start() {
      if (connection.mode === 'idle') connection.follow();
    },
    stop() {
      if (connection.mode === 'idle') return;
      connection.halt('idle');
      dispatch({ type: 'status', status: 'offline', error: null });
    },
    reconnect: connection.reconnect,
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    apply: dispatch,
  };
}

function isSnapshot(data: unknown): data is SnapshotEvent {
  return (
    typeof data === 'object' &&
    data !== null &&
    Array.isArray((data as SnapshotEvent).sessions) &&
    typeof (data as SnapshotEvent).heartbeatMs === 'number'
  );
}

function isChange(data: unknown, name: SessionChangeEventName): data is SessionChangeEvent {
  if (typeof data !== 'object' || data === null) return false;
  const { type, session } = data as Partial<SessionChangeEvent>;
  return type === name && typeof session === 'object' && session !== null && typeof session.id === 'string';
}
