import { API_PATHS, DEFAULTS, STREAM_EVENT_NAMES, isSessionChangeEventName } from '@sessionboard/protocol';
import type {
  SessionChangeEvent,
  SessionChangeEventName,
  SessionListResponse,
  SnapshotEvent,
  StreamEventName,
} from '@sessionboard/protocol';
import { ApiError, apiErrorFromResponse, networkError } from './ApiError.ts';
import { globalTimers } from './ClientEnvironment.ts';
import type { ClientTimers, EventSourceConstructor, EventSourceLike } from './ClientEnvironment.ts';
import type { ConnectionStatus } from './ConnectionStatus.ts';
import { createSessionsState, reduceSessionsState } from './SessionsState.ts';
import type { SessionsMessage, SessionsState } from './SessionsState.ts';
import { backoffDelay } from './backoffDelay.ts';

/** Dependencies and tuning of {@link createSessionsClient}; every one has a default. */
export interface SessionsClientOptions {
  /** Prefix of every path, without a trailing slash. @default '' (same origin) */
  baseUrl?: string;
  /** `null` means no stream at all: poll only. @default globalThis.EventSource, or null when absent */
  EventSource?: EventSourceConstructor | null;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default the global timers */
  timers?: ClientTimers;
  /** Uniform in [0, 1), for backoff jitter. @default Math.random */
  random?: () => number;
  /** Epoch ms. @default Date.now */
  now?: () => number;
  /** Between polls; also how long one poll may go unanswered before it counts as failed. @default DEFAULTS.pollIntervalMs (10 000) */
  pollIntervalMs?: number;
  /** First backoff ceiling. @default 1000 */
  backoffBaseMs?: number;
  /** Largest backoff ceiling. @default 30000 */
  backoffCapMs?: number;
  /** Consecutive stream failures after which the client polls while it keeps retrying. @default 3 */
  maxStreamFailures?: number;
  /** A stream silent for this many heartbeat intervals is dead. @default DEFAULTS.watchdogHeartbeats (2.5) */
  watchdogHeartbeats?: number;
  /** Heartbeat interval assumed until a snapshot states the server's. @default DEFAULTS.sseHeartbeatMs (30 000) */
  defaultHeartbeatMs?: number;
  /** How long the status probe of a refused stream may take. @default 5000 */
  probeTimeoutMs?: number;
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

const REFUSAL_CODES: readonly string[] = ['sse_disabled', 'too_many_connections'];
const NO_EVENTSOURCE = 'This browser cannot open a live stream (no EventSource).';

/**
 * Builds a client that follows `GET /api/sse/sessions`, and on a missing `EventSource`,
 * a refusal (503) or repeated failures polls `GET /api/sessions` while it retries the
 * stream with exponential backoff and full jitter. One cursor, `state.lastEventId`,
 * carries across both modes, so resuming (`?lastEventId=`) neither loses nor repeats a
 * change. A 401 from the stream or a poll stops everything, status `offline` with
 * `authRequired`, until `reconnect()`: retrying cannot help before a sign-in. Nothing
 * happens until `start()`.
 */
export function createSessionsClient(options: SessionsClientOptions = {}): SessionsClient {
  const baseUrl = options.baseUrl ?? '';
  const EventSourceCtor =
    options.EventSource === undefined
      ? ((globalThis as { EventSource?: EventSourceConstructor }).EventSource ?? null)
      : options.EventSource;
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timers = options.timers ?? globalTimers;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
  const backoff = { baseMs: options.backoffBaseMs ?? 1000, capMs: options.backoffCapMs ?? 30_000 };
  const maxStreamFailures = options.maxStreamFailures ?? 3;
  const watchdogHeartbeats = options.watchdogHeartbeats ?? DEFAULTS.watchdogHeartbeats;
  const defaultHeartbeatMs = options.defaultHeartbeatMs ?? DEFAULTS.sseHeartbeatMs;
  const probeTimeoutMs = options.probeTimeoutMs ?? 5000;
  const streamUrl = `${baseUrl}${API_PATHS.stream}`;
  const sessionsUrl = `${baseUrl}${API_PATHS.sessions}`;

  let state = options.initialState ?? createSessionsState();
  const listeners = new Set<SessionsListener>();
  let started = false;
  // Bumped by start() and stop(): async work begun in an earlier run is dropped.
  let run = 0;
  let source: EventSourceLike | null = null;
  let sourceOpen = false;
  // Consecutive stream failures with no message received in between.
  let failures = 0;
  // Why the stream is not live, kept for the `polling` status.
  let streamError: string | null = null;
  let reconnectTimer: unknown = null;
  let watchdogTimer: unknown = null;
  let pollTimer: unknown = null;
  let pollController: AbortController | null = null;
  // A poll's list that came while a stream attempt was pending: applied if that attempt fails.
  let deferredPoll: SessionsMessage | null = null;
  let probeController: AbortController | null = null;
  // Set by a 401: nothing is retried until reconnect().
  let unauthorised = false;

  function dispatch(message: SessionsMessage): void {
    const next = reduceSessionsState(state, message);
    if (next === state) return;
    state = next;
    for (const listener of [...listeners]) listener(state, message);
  }

  function setStatus(status: ConnectionStatus, error: string | null): void {
    dispatch({ type: 'status', status, error });
  }

  function openStream(): void {
    reconnectTimer = null;
    if (pollTimer === null) setStatus('connecting', state.error);
    const cursor = state.lastEventId;
    const url = cursor === null ? streamUrl : `${streamUrl}?lastEventId=${encodeURIComponent(cursor)}`;
    const es = new EventSourceCtor!(url);
    source = es;
    sourceOpen = false;
    es.addEventListener('open', () => {
      if (source === es) onOpen();
    });
    es.addEventListener('error', () => {
      if (source === es) void onStreamError();
    });
    for (const name of STREAM_EVENT_NAMES) {
      es.addEventListener(name, (event) => {
        if (source === es) onStreamEvent(name, event);
      });
    }
    // Also bounds a connection attempt that neither opens nor fails.
    armWatchdog();
  }

  function closeStream(): void {
    source?.close();
    source = null;
    sourceOpen = false;
    clearTimer(watchdogTimer);
    watchdogTimer = null;
  }

  function onOpen(): void {
    sourceOpen = true;
    deferredPoll = null;
    streamError = null;
    stopPolling();
    setStatus('live', null);
    armWatchdog();
  }

  function onStreamEvent(name: StreamEventName, event: MessageEvent): void {
    if (!sourceOpen) onOpen();
    failures = 0;
    const data = parseJson(event.data);
    const id = typeof event.lastEventId === 'string' && event.lastEventId !== '' ? event.lastEventId : null;
    if (name === 'snapshot' && isSnapshot(data)) {
      dispatch({ type: 'snapshot', sessions: data.sessions, lastEventId: id, heartbeatMs: data.heartbeatMs, at: now() });
    } else if (isSessionChangeEventName(name) && isChange(data, name)) {
      dispatch({ type: 'change', event: data, id, at: now() });
    }
    armWatchdog();
  }

  async function onStreamError(): Promise<void> {
    const wasOpen = sourceOpen;
    closeStream();
    applyDeferredPoll();
    failures += 1;
    if (wasOpen) {
      afterStreamFailure('The live stream was interrupted; reconnecting.', false, 0);
      return;
    }
    // EventSource hides the status of a refused stream: ask for it once.
    const thisRun = run;
    const error = await probeStream();
    if (thisRun !== run) return;
    if (error === null) {
      afterStreamFailure('The live stream was interrupted; reconnecting.', false, 0);
      return;
    }
    if (error.status === 401) {
      waitForSignIn(error.message);
      return;
    }
    const refused = error.status === 503 && REFUSAL_CODES.includes(error.code);
    const honoured = error.status === 503 || error.status === 429;
    afterStreamFailure(error.message, refused, honoured ? (error.retryAfterMs ?? 0) : 0);
  }

  function onWatchdog(): void {
    watchdogTimer = null;
    if (source === null) return;
    closeStream();
    applyDeferredPoll();
    failures += 1;
    afterStreamFailure('The live stream went silent; reconnecting.', false, 0);
  }

  function afterStreamFailure(reason: string, refused: boolean, retryAfterMs: number): void {
    streamError = reason;
    if (pollTimer !== null) {
      // Already polling: the poll results say how things stand.
    } else if (refused || failures >= maxStreamFailures) {
      setStatus(state.status, reason);
      startPolling();
    } else {
      setStatus('connecting', reason);
    }
    const delay = Math.max(retryAfterMs, backoffDelay(failures - 1, random, backoff));
    clearTimer(reconnectTimer);
    reconnectTimer = timers.setTimeout(openStream, delay);
  }

  /** Stops every request and timer until reconnect(): without credentials, retries only hammer the server. */
  function waitForSignIn(reason: string): void {
    closeStream();
    stopPolling();
    clearTimer(reconnectTimer);
    reconnectTimer = null;
    unauthorised = true;
    failures = 0;
    dispatch({ type: 'status', status: 'offline', error: reason, authRequired: true });
  }

  async function probeStream(): Promise<ApiError | null> {
    const controller = new AbortController();
    probeController = controller;
    const timer = timers.setTimeout(() => controller.abort(), probeTimeoutMs);
    try {
      const response = await fetchFn(streamUrl, {
        headers: { accept: 'text/event-stream' },
        cache: 'no-store',
        signal: controller.signal,
      });
      if (response.ok) {
        controller.abort();
        return null;
      }
      return await apiErrorFromResponse(response, now());
    } catch (cause) {
      return networkError(cause);
    } finally {
      timers.clearTimeout(timer);
      if (probeController === controller) probeController = null;
    }
  }

  function armWatchdog(): void {
    clearTimer(watchdogTimer);
    watchdogTimer = timers.setTimeout(onWatchdog, (state.heartbeatMs ?? defaultHeartbeatMs) * watchdogHeartbeats);
  }

  function startPolling(): void {
    if (pollTimer !== null) return;
    pollTimer = timers.setInterval(() => void poll(), pollIntervalMs);
    void poll();
  }

  function stopPolling(): void {
    if (pollTimer !== null) timers.clearInterval(pollTimer);
    pollTimer = null;
    deferredPoll = null;
    pollController?.abort();
    pollController = null;
  }

  async function poll(): Promise<void> {
    if (pollController !== null) return;
    const controller = new AbortController();
    pollController = controller;
    // A poll nobody answers (a stuck proxy) would hold up every later one: it gets one interval.
    let timedOut = false;
    const timer = timers.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, pollIntervalMs);
    try {
      let response: Response;
      try {
        response = await fetchFn(sessionsUrl, {
          headers: { accept: 'application/json' },
          cache: 'no-store',
          signal: controller.signal,
        });
      } catch (cause) {
        throw networkError(cause);
      }
      if (!response.ok) throw await apiErrorFromResponse(response, now());
      const body = (await response.json()) as Partial<SessionListResponse>;
      if (!Array.isArray(body.sessions)) throw new ApiError(response.status, 'http_error', 'The server sent an unreadable session list.');
      if (controller.signal.aborted) return;
      const snapshot: SessionsMessage = {
        type: 'snapshot',
        sessions: body.sessions,
        lastEventId: typeof body.lastEventId === 'string' ? body.lastEventId : null,
        heartbeatMs: null,
        at: now(),
      };
      // A stream attempt in flight resumes from the cursor it was opened with; moving the
      // cursor under it would make its replay repeat changes this list already holds. The
      // list waits for that attempt instead: a retry after a refusal (Retry-After 5 s) often
      // lands right after a poll, and dropping the poll would hide changes a whole interval.
      if (source !== null) {
        deferredPoll = snapshot;
        return;
      }
      dispatch(snapshot);
      setStatus('polling', streamError);
    } catch (cause) {
      if (controller.signal.aborted && !timedOut) return;
      if (cause instanceof ApiError && cause.status === 401) {
        waitForSignIn(cause.message);
        return;
      }
      if (timedOut) setStatus('offline', `The server did not answer within ${pollIntervalMs} ms.`);
      else setStatus('offline', cause instanceof Error ? cause.message : 'Cannot reach the server.');
    } finally {
      timers.clearTimeout(timer);
      if (pollController === controller) pollController = null;
    }
  }

  /** Applies the poll answer kept while a stream attempt was pending, now that it has failed. */
  function applyDeferredPoll(): void {
    const snapshot = deferredPoll;
    deferredPoll = null;
    if (snapshot === null || pollTimer === null) return;
    dispatch(snapshot);
    setStatus('polling', streamError);
  }

  function clearTimer(handle: unknown): void {
    if (handle !== null) timers.clearTimeout(handle);
  }

  return {
    start() {
      if (started) return;
      started = true;
      run += 1;
      failures = 0;
      unauthorised = false;
      if (EventSourceCtor === null) {
        streamError = NO_EVENTSOURCE;
        startPolling();
      } else {
        openStream();
      }
    },
    stop() {
      if (!started) return;
      started = false;
      run += 1;
      unauthorised = false;
      closeStream();
      stopPolling();
      clearTimer(reconnectTimer);
      reconnectTimer = null;
      probeController?.abort();
      probeController = null;
      setStatus('offline', null);
    },
    reconnect() {
      if (!started) return;
      if (unauthorised) {
        unauthorised = false;
        setStatus('connecting', null);
        if (EventSourceCtor === null) {
          streamError = NO_EVENTSOURCE;
          startPolling();
        } else {
          streamError = null;
          openStream();
        }
        return;
      }
      if (pollTimer !== null) void poll();
      if (EventSourceCtor === null || source !== null || probeController !== null) return;
      clearTimer(reconnectTimer);
      openStream();
    },
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    apply: dispatch,
  };
}

function parseJson(data: unknown): unknown {
  if (typeof data !== 'string') return null;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return null;
  }
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
