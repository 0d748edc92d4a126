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
import { createAttempt } from './createAttempt.ts';
import type { Attempt } from './createAttempt.ts';
import { createPoller } from './createPoller.ts';
import type { PollRequest } from './createPoller.ts';
import { probeStream } from './probeStream.ts';

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

/**
 * What a {@link createSessionsClient} is doing; exactly one at a time (the README has the
 * table of transitions):
 * - `idle`: not started, or stopped.
 * - `opening`: an `EventSource` is connecting.
 * - `live`: the stream is open.
 * - `probing`: the stream failed before it opened; a GET asks the server why.
 * - `waiting`: backing off before the next stream attempt.
 * - `poll_only`: there is no `EventSource`; the client only polls.
 * - `signed_out`: a 401; nothing runs until `reconnect()`.
 *
 * Fallback polling runs beside `opening`, `probing` and `waiting` once the stream was
 * refused (503) or failed `maxStreamFailures` times, and always in `poll_only`; entering
 * `live`, `signed_out` or `idle` stops it.
 */
export type SessionsClientMode = 'idle' | 'opening' | 'live' | 'probing' | 'waiting' | 'poll_only' | 'signed_out';

const REFUSAL_CODES: readonly string[] = ['sse_disabled', 'too_many_connections'];
const NO_EVENTSOURCE = 'This browser cannot open a live stream (no EventSource).';
const INTERRUPTED = 'The live stream was interrupted; reconnecting.';

/**
 * Builds a client that follows `GET /api/sse/sessions`, and on a missing `EventSource`,
 * a refusal (503) or repeated failures polls `GET /api/sessions` while it retries the
 * stream with exponential backoff and full jitter. One cursor, `state.lastEventId`,
 * carries across both modes, so resuming (`?lastEventId=`) neither loses nor repeats a
 * change. A 401 from the stream or a poll stops everything, status `offline` with
 * `authRequired`, until `reconnect()`: retrying cannot help before a sign-in. Nothing
 * happens until `start()`.
 *
 * It is an explicit state machine ({@link SessionsClientMode}): every transition aborts
 * the current attempt (its requests and timers) and starts the next, and every async
 * continuation checks that its attempt is still current (issue 11).
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
  let mode: SessionsClientMode = 'idle';
  let attempt: Attempt = createAttempt(timers);
  // The stream of `opening` and `live`: the one resource that passes from one mode to the next.
  let source: EventSourceLike | null = null;
  let cancelWatchdog: () => void = () => {};
  const poller = createPoller({ timers, intervalMs: pollIntervalMs, poll });
  // A poll's list that came while a stream attempt was opening: applied if that attempt fails.
  let deferredPoll: SessionsMessage | null = null;
  // Consecutive stream failures with no message received in between.
  let failures = 0;
  // Why the stream is not live, kept for the `polling` status.
  let streamError: string | null = null;

  function dispatch(message: SessionsMessage): void {
    const next = reduceSessionsState(state, message);
    if (next === state) return;
    state = next;
    for (const listener of [...listeners]) listener(state, message);
  }

  function setStatus(status: ConnectionStatus, error: string | null): void {
    dispatch({ type: 'status', status, error });
  }

  /**
   * The only way the mode changes: ends the current attempt (its probe, its timers) and
   * the stream unless it is the one that just opened, starts or stops fallback polling,
   * and returns the new attempt.
   */
  function enter(next: SessionsClientMode, withPolling: boolean): Attempt {
    attempt.abort();
    if (next !== 'live') closeSource();
    mode = next;
    attempt = createAttempt(timers);
    if (withPolling) poller.start();
    else stopPolling();
    return attempt;
  }

  /** From `idle` or `signed_out`: follows afresh. */
  function begin(): void {
    failures = 0;
    if (EventSourceCtor === null) {
      streamError = NO_EVENTSOURCE;
      enter('poll_only', true);
      setStatus('connecting', null);
    } else {
      streamError = null;
      openStream(null);
    }
  }

  /** `error` is what the `connecting` status says meanwhile (the last failure's reason, on a retry). */
  function openStream(error: string | null = state.error): void {
    const fallback = poller.running;
    const opening = enter('opening', fallback);
    if (!fallback) setStatus('connecting', error);
    // A listener may have stopped the client just now: every dispatch can re-enter.
    if (opening.signal.aborted) return;
    const cursor = state.lastEventId;
    const url = cursor === null ? streamUrl : `${streamUrl}?lastEventId=${encodeURIComponent(cursor)}`;
    const es = new EventSourceCtor!(url);
    source = es;
    es.addEventListener('open', () => {
      if (source === es && mode === 'opening') onOpen();
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

  function closeSource(): void {
    source?.close();
    source = null;
  }

  function onOpen(): void {
    enter('live', false);
    streamError = null;
    setStatus('live', null);
    armWatchdog();
  }

  function onStreamEvent(name: StreamEventName, event: MessageEvent): void {
    if (mode === 'opening') onOpen();
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
    failures += 1;
    if (mode === 'live') {
      streamFailed(INTERRUPTED, false, 0);
      return;
    }
    // EventSource hides the status of a refused stream: ask for it once.
    const probing = enter('probing', poller.running);
    applyDeferredPoll();
    if (probing.signal.aborted) return;
    const error = await probeStream(streamUrl, probing, { fetch: fetchFn, timeoutMs: probeTimeoutMs, now });
    if (probing.signal.aborted) return;
    if (error === null) {
      streamFailed(INTERRUPTED, false, 0);
    } else if (error.status === 401) {
      signOut(error.message);
    } else {
      const refused = error.status === 503 && REFUSAL_CODES.includes(error.code);
      const honoured = error.status === 503 || error.status === 429;
      streamFailed(error.message, refused, honoured ? (error.retryAfterMs ?? 0) : 0);
    }
  }

  function onWatchdog(): void {
    failures += 1;
    streamFailed('The live stream went silent; reconnecting.', false, 0);
    applyDeferredPoll();
  }

  /** Waits out the backoff (never less than `retryAfterMs`), polling meanwhile once the stream is refused or keeps failing. */
  function streamFailed(reason: string, refused: boolean, retryAfterMs: number): void {
    streamError = reason;
    const wasPolling = poller.running;
    const fallback = wasPolling || refused || failures >= maxStreamFailures;
    const waiting = enter('waiting', fallback);
    // Already polling, the poll results say how things stand; a new fallback keeps the status until its first answer.
    if (!wasPolling) setStatus(fallback ? state.status : 'connecting', reason);
    waiting.setTimeout(() => openStream(), Math.max(retryAfterMs, backoffDelay(failures - 1, random, backoff)));
  }

  /** Stops every request and timer until reconnect(): without credentials, retries only hammer the server. */
  function signOut(reason: string): void {
    enter('signed_out', false);
    failures = 0;
    dispatch({ type: 'status', status: 'offline', error: reason, authRequired: true });
  }

  function armWatchdog(): void {
    cancelWatchdog();
    if (mode !== 'opening' && mode !== 'live') return;
    cancelWatchdog = attempt.setTimeout(onWatchdog, (state.heartbeatMs ?? defaultHeartbeatMs) * watchdogHeartbeats);
  }

  function stopPolling(): void {
    poller.stop();
    deferredPoll = null;
  }

  async function poll(request: PollRequest): Promise<void> {
    try {
      let response: Response;
      try {
        response = await fetchFn(sessionsUrl, {
          headers: { accept: 'application/json' },
          cache: 'no-store',
          signal: request.signal,
        });
      } catch (cause) {
        throw networkError(cause);
      }
      if (!response.ok) throw await apiErrorFromResponse(response, now());
      const body = (await response.json()) as Partial<SessionListResponse>;
      if (!Array.isArray(body.sessions)) throw new ApiError(response.status, 'http_error', 'The server sent an unreadable session list.');
      if (request.signal.aborted) return;
      const snapshot: SessionsMessage = {
        type: 'snapshot',
        sessions: body.sessions,
        lastEventId: typeof body.lastEventId === 'string' ? body.lastEventId : null,
        heartbeatMs: null,
        at: now(),
      };
      // A stream attempt in flight resumes from the cursor it was opened with; moving the
      // cursor under it would make its replay repeat changes this list already holds. The
      // list is deferred until that attempt ends: applied if it fails, dropped if it opens
      // (the stream then brings the same changes). A retry after a refusal (Retry-After 5 s)
      // often lands right after a poll, and dropping the list would hide changes a whole interval.
      if (mode === 'opening') {
        deferredPoll = snapshot;
        return;
      }
      dispatch(snapshot);
      if (request.current()) setStatus('polling', streamError);
    } catch (cause) {
      // Polling stopped (the stream opened, a 401, stop()): the client has moved on.
      if (!request.current()) return;
      if (cause instanceof ApiError && cause.status === 401) {
        signOut(cause.message);
        return;
      }
      if (request.timedOut()) setStatus('offline', `The server did not answer within ${pollIntervalMs} ms.`);
      else setStatus('offline', cause instanceof Error ? cause.message : 'Cannot reach the server.');
    }
  }

  /** Applies the poll answer kept while a stream attempt was opening, now that it has failed. */
  function applyDeferredPoll(): void {
    const snapshot = deferredPoll;
    deferredPoll = null;
    if (snapshot === null || !poller.running) return;
    dispatch(snapshot);
    if (poller.running) setStatus('polling', streamError);
  }

  return {
    start() {
      if (mode !== 'idle') return;
      begin();
    },
    stop() {
      if (mode === 'idle') return;
      enter('idle', false);
      setStatus('offline', null);
    },
    reconnect() {
      if (mode === 'idle') return;
      if (mode === 'signed_out') {
        begin();
        return;
      }
      if (poller.running) poller.pollNow();
      if (mode === 'waiting') openStream();
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
