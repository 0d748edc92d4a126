import { DEFAULTS, OUTPUT_STREAM_EVENT_NAMES, sessionOutputPath, sessionOutputStreamPath } from '@sessionboard/protocol';
import type { OutputChunk, OutputEndEvent, OutputStreamEventName, OutputTruncatedEvent, SessionOutputResponse } from '@sessionboard/protocol';
import { ApiError, apiErrorFromResponse, networkError } from './ApiError.ts';
import { globalTimers } from './ClientEnvironment.ts';
import type { ClientTimers, EventSourceConstructor, EventSourceLike } from './ClientEnvironment.ts';
import { DEFAULT_OUTPUT_LIMITS, createOutputState, reduceOutputState } from './OutputState.ts';
import type { OutputFollowState, OutputLimits, OutputMessage, OutputState } from './OutputState.ts';
import { backoffDelay } from './backoffDelay.ts';
import { createAttempt } from './createAttempt.ts';
import type { Attempt } from './createAttempt.ts';
import { createPoller } from './createPoller.ts';
import type { PollRequest } from './createPoller.ts';
import { probeStream } from './probeStream.ts';

/** Dependencies and tuning of {@link createOutputClient}; all but `sessionId` have a default. */
export interface OutputClientOptions {
  /** The session whose output to follow. */
  sessionId: string;
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
  /** Between polls; also how long one poll may go unanswered. @default DEFAULTS.outputPollIntervalMs (2000) */
  pollIntervalMs?: number;
  /** First backoff ceiling. @default 1000 */
  backoffBaseMs?: number;
  /** Largest backoff ceiling. @default 30000 */
  backoffCapMs?: number;
  /** Consecutive stream failures after which the client polls while it keeps retrying. @default 3 */
  maxStreamFailures?: number;
  /**
   * The server's heartbeat interval, which the output stream shares with the sessions
   * stream: pass the sessions client's `state.heartbeatMs` when known. @default DEFAULTS.sseHeartbeatMs (30 000)
   */
  heartbeatMs?: number | null;
  /** A stream silent for this many heartbeat intervals is dead. @default DEFAULTS.watchdogHeartbeats (2.5) */
  watchdogHeartbeats?: number;
  /** How long the status probe of a refused stream may take. @default 5000 */
  probeTimeoutMs?: number;
  /** Bytes of output kept; the oldest beyond it are dropped and marked. @default 2 MiB (2 097 152) */
  maxTextBytes?: number;
  /** Segments kept, marks included; at least 2. @default 10 000 */
  maxSegments?: number;
}

/** Called with the new state and the message that made it, after every change. */
export type OutputListener = (state: OutputState, message: OutputMessage) => void;

/** A live view of one session's output. */
export interface OutputClient {
  /** Follows the output (or polls without `EventSource`). Also the way back after a 401 or a 404. Idempotent. */
  start(): void;
  /** Closes the stream, stops polling and every timer; state `offline`. Keeps the output. Does nothing once `ended` or `not_found`. */
  stop(): void;
  /** For a hidden tab: closes the stream and stops polling; state `paused`. Only while following. */
  pause(): void;
  /** Follows again from the offset held. Only while `paused`. */
  resume(): void;
  /** Retries the stream now instead of waiting out the backoff (e.g. on the browser's `online`), or after a sign-in. */
  reconnect(): void;
  getState(): OutputState;
  /** Returns the unsubscribe function. */
  subscribe(listener: OutputListener): () => void;
}

/**
 * What a {@link createOutputClient} is doing; exactly one at a time. As for the sessions
 * client (`SessionsClientMode`), plus `paused`, and two ends: `ended` (all output received)
 * and `not_found` (404). Fallback polling runs beside `opening`, `probing` and `waiting`
 * once the stream was refused (503) or failed `maxStreamFailures` times, and always in
 * `poll_only`.
 */
export type OutputClientMode =
  | 'idle'
  | 'opening'
  | 'live'
  | 'probing'
  | 'waiting'
  | 'poll_only'
  | 'paused'
  | 'ended'
  | 'not_found'
  | 'signed_out';

const REFUSAL_CODES: readonly string[] = ['sse_disabled', 'too_many_connections'];
const FOLLOWING: readonly OutputClientMode[] = ['opening', 'live', 'probing', 'waiting', 'poll_only'];
const NO_EVENTSOURCE = 'This browser cannot open a live stream (no EventSource).';
const INTERRUPTED = 'The output stream was interrupted; reconnecting.';

/**
 * Builds a client that follows `GET /api/sse/sessions/:id/output`, resuming from the
 * offset it holds (`?lastEventId=<offset>`), and on a missing `EventSource`, a refusal
 * (503) or repeated failures polls `GET /api/sessions/:id/output?after=<offset>` every 2 s
 * while it retries the stream with exponential backoff and full jitter. The offset is the
 * one cursor of both, so switching neither repeats nor loses a byte. `end` (or an `ended`
 * poll) ends it; a 404 stops it as `not_found`, a 401 as `offline` with `authRequired`
 * until `start()` or `reconnect()`. Every transition aborts the current attempt (requests,
 * timers) and every async continuation checks it is still current. Nothing happens until `start()`.
 */
export function createOutputClient(options: OutputClientOptions): OutputClient {
  const baseUrl = options.baseUrl ?? '';
  const EventSourceCtor =
    options.EventSource === undefined
      ? ((globalThis as { EventSource?: EventSourceConstructor }).EventSource ?? null)
      : options.EventSource;
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timers = options.timers ?? globalTimers;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULTS.outputPollIntervalMs;
  const backoff = { baseMs: options.backoffBaseMs ?? 1000, capMs: options.backoffCapMs ?? 30_000 };
  const maxStreamFailures = options.maxStreamFailures ?? 3;
  const watchdogMs = (options.heartbeatMs ?? DEFAULTS.sseHeartbeatMs) * (options.watchdogHeartbeats ?? DEFAULTS.watchdogHeartbeats);
  const probeTimeoutMs = options.probeTimeoutMs ?? 5000;
  const limits: OutputLimits = {
    maxTextBytes: options.maxTextBytes ?? DEFAULT_OUTPUT_LIMITS.maxTextBytes,
    maxSegments: Math.max(2, options.maxSegments ?? DEFAULT_OUTPUT_LIMITS.maxSegments),
  };
  const streamUrl = `${baseUrl}${sessionOutputStreamPath(options.sessionId)}`;
  const pollUrl = `${baseUrl}${sessionOutputPath(options.sessionId)}`;

  let state = createOutputState(options.sessionId);
  const listeners = new Set<OutputListener>();
  let mode: OutputClientMode = 'idle';
  let attempt: Attempt = createAttempt(timers);
  // The stream of `opening` and `live`: the one resource that passes from one mode to the next.
  let source: EventSourceLike | null = null;
  let cancelWatchdog: () => void = () => {};
  const poller = createPoller({ timers, intervalMs: pollIntervalMs, poll });
  // A poll's answer that came while a stream attempt was opening: applied if that attempt fails.
  let deferredPoll: OutputMessage | null = null;
  let failures = 0;
  let streamError: string | null = null;

  function dispatch(message: OutputMessage): void {
    const next = reduceOutputState(state, message, limits);
    if (next === state) return;
    state = next;
    for (const listener of [...listeners]) listener(state, message);
  }

  function setState(next: OutputFollowState, error: string | null): void {
    dispatch({ type: 'status', state: next, error });
  }

  /** The only way the mode changes; see `enter` in createSessionsClient. */
  function enter(next: OutputClientMode, withPolling: boolean): Attempt {
    attempt.abort();
    if (next !== 'live') closeSource();
    mode = next;
    attempt = createAttempt(timers);
    if (withPolling) poller.start();
    else stopPolling();
    return attempt;
  }

  /** From `idle`, `paused`, `signed_out` or `not_found`: follows afresh from the offset held. */
  function begin(): void {
    failures = 0;
    if (EventSourceCtor === null) {
      streamError = NO_EVENTSOURCE;
      enter('poll_only', true);
      setState('connecting', null);
    } else {
      streamError = null;
      openStream(null);
    }
  }

  /** `error` is what the `connecting` state says meanwhile (the last failure's reason, on a retry). */
  function openStream(error: string | null = state.error): void {
    const fallback = poller.running;
    const opening = enter('opening', fallback);
    if (!fallback) setState('connecting', error);
    // A listener may have stopped the client just now: every dispatch can re-enter.
    if (opening.signal.aborted) return;
    // Without output yet, no id: the server starts with all it keeps (or `truncated` first).
    const url = state.offset === 0 ? streamUrl : `${streamUrl}?lastEventId=${state.offset}`;
    const es = new EventSourceCtor!(url);
    source = es;
    es.addEventListener('open', () => {
      if (source === es && mode === 'opening') onOpen();
    });
    es.addEventListener('error', () => {
      if (source === es) void onStreamError();
    });
    for (const name of OUTPUT_STREAM_EVENT_NAMES) {
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
    setState('live', null);
    armWatchdog();
  }

  function onStreamEvent(name: OutputStreamEventName, event: MessageEvent): void {
    if (mode === 'opening') onOpen();
    failures = 0;
    const data = parseJson(event.data);
    if (name === 'output' && isChunk(data)) {
      dispatch({ type: 'output', chunk: data, at: now() });
    } else if (name === 'truncated' && isTruncated(data)) {
      dispatch({ type: 'truncated', from: data.from, at: now() });
    } else if (name === 'end' && isEnd(data)) {
      // The server closes the stream now; a native EventSource would reconnect, so close it first.
      enter('ended', false);
      dispatch({ type: 'end', session: data.session, offset: data.offset, at: now() });
      return;
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
    } else if (!stopFor(error)) {
      const refused = error.status === 503 && REFUSAL_CODES.includes(error.code);
      const honoured = error.status === 503 || error.status === 429;
      streamFailed(error.message, refused, honoured ? (error.retryAfterMs ?? 0) : 0);
    }
  }

  function onWatchdog(): void {
    failures += 1;
    streamFailed('The output stream went silent; reconnecting.', false, 0);
    applyDeferredPoll();
  }

  /** Waits out the backoff (never less than `retryAfterMs`), polling meanwhile once the stream is refused or keeps failing. */
  function streamFailed(reason: string, refused: boolean, retryAfterMs: number): void {
    streamError = reason;
    const wasPolling = poller.running;
    const fallback = wasPolling || refused || failures >= maxStreamFailures;
    const waiting = enter('waiting', fallback);
    if (!wasPolling) setState(fallback ? state.state : 'connecting', reason);
    waiting.setTimeout(() => openStream(), Math.max(retryAfterMs, backoffDelay(failures - 1, random, backoff)));
  }

  /** A 401 or a 404 ends following: retrying cannot help. True when it did. */
  function stopFor(error: ApiError): boolean {
    if (error.status === 401) {
      enter('signed_out', false);
      dispatch({ type: 'status', state: 'offline', error: error.message, authRequired: true });
      return true;
    }
    if (error.status === 404) {
      enter('not_found', false);
      setState('not_found', error.message);
      return true;
    }
    return false;
  }

  function armWatchdog(): void {
    cancelWatchdog();
    if (mode !== 'opening' && mode !== 'live') return;
    cancelWatchdog = attempt.setTimeout(onWatchdog, watchdogMs);
  }

  function stopPolling(): void {
    poller.stop();
    deferredPoll = null;
  }

  async function poll(request: PollRequest): Promise<void> {
    try {
      let response: Response;
      try {
        response = await fetchFn(`${pollUrl}?after=${state.offset}`, {
          headers: { accept: 'application/json' },
          cache: 'no-store',
          signal: request.signal,
        });
      } catch (cause) {
        throw networkError(cause);
      }
      if (!response.ok) throw await apiErrorFromResponse(response, now());
      const body = (await response.json()) as unknown;
      if (!isOutputResponse(body)) throw new ApiError(response.status, 'http_error', 'The server sent unreadable output.');
      if (request.signal.aborted) return;
      const message: OutputMessage = { type: 'poll', response: body, at: now() };
      // A stream attempt in flight resumes from the offset it was opened with; moving the
      // offset under it would make it repeat bytes. The answer waits for that attempt: applied
      // if it fails, dropped if it opens (the stream brings the same bytes).
      if (mode === 'opening') {
        deferredPoll = message;
        return;
      }
      applyPoll(message);
    } catch (cause) {
      // Polling stopped (the stream opened, pause(), stop(), a 401): the client has moved on.
      if (!request.current()) return;
      if (cause instanceof ApiError && stopFor(cause)) return;
      if (request.timedOut()) setState('offline', `The server did not answer within ${pollIntervalMs} ms.`);
      else setState('offline', cause instanceof Error ? cause.message : 'Cannot reach the server.');
    }
  }

  function applyPoll(message: OutputMessage & { type: 'poll' }): void {
    if (message.response.ended) {
      enter('ended', false);
      dispatch(message);
      return;
    }
    dispatch(message);
    if (poller.running) setState('polling', streamError);
  }

  /** Applies the poll answer kept while a stream attempt was opening, now that it has failed. */
  function applyDeferredPoll(): void {
    const message = deferredPoll;
    deferredPoll = null;
    if (message?.type === 'poll' && poller.running) applyPoll(message);
  }

  return {
    start() {
      if (mode === 'idle' || mode === 'signed_out' || mode === 'not_found') begin();
    },
    stop() {
      if (mode === 'idle' || mode === 'ended' || mode === 'not_found') return;
      enter('idle', false);
      setState('offline', null);
    },
    pause() {
      if (!FOLLOWING.includes(mode)) return;
      enter('paused', false);
      setState('paused', null);
    },
    resume() {
      if (mode === 'paused') begin();
    },
    reconnect() {
      if (mode === 'signed_out') {
        begin();
        return;
      }
      if (!FOLLOWING.includes(mode)) return;
      if (poller.running) poller.pollNow();
      if (mode === 'waiting') openStream();
    },
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
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

function isOffset(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isChunk(data: unknown): data is OutputChunk {
  if (typeof data !== 'object' || data === null) return false;
  const { stream, text, offset } = data as Partial<OutputChunk>;
  return (stream === 'stdout' || stream === 'stderr') && typeof text === 'string' && isOffset(offset);
}

function isTruncated(data: unknown): data is OutputTruncatedEvent {
  return typeof data === 'object' && data !== null && isOffset((data as Partial<OutputTruncatedEvent>).from);
}

function isEnd(data: unknown): data is OutputEndEvent {
  if (typeof data !== 'object' || data === null) return false;
  const { session, offset } = data as Partial<OutputEndEvent>;
  return typeof session === 'object' && session !== null && typeof session.id === 'string' && isOffset(offset);
}

function isOutputResponse(body: unknown): body is SessionOutputResponse {
  if (typeof body !== 'object' || body === null) return false;
  const { chunks, offset, from, ended } = body as Partial<SessionOutputResponse>;
  return Array.isArray(chunks) && chunks.every(isChunk) && isOffset(offset) && isOffset(from) && typeof ended === 'boolean';
}
