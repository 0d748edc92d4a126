import { DEFAULTS } from '@sessionboard/protocol';
import { ApiError, apiErrorFromResponse, networkError } from './ApiError.ts';
import { globalTimers } from './ClientEnvironment.ts';
import type { ClientTimers, EventSourceConstructor, EventSourceLike } from './ClientEnvironment.ts';
import type { ConnectionStatus } from './ConnectionStatus.ts';
import { backoffDelay } from './backoffDelay.ts';
import { createAttempt } from './createAttempt.ts';
import type { Attempt } from './createAttempt.ts';
import { createPoller } from './createPoller.ts';
import type { PollRequest } from './createPoller.ts';
import { probeStream } from './probeStream.ts';

/** Dependencies and tuning every live client takes; every one has a default. */
export interface LiveConnectionOptions {
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
  /** First backoff ceiling. @default 1000 */
  backoffBaseMs?: number;
  /** Largest backoff ceiling. @default 30000 */
  backoffCapMs?: number;
  /** Consecutive stream failures after which the client polls while it keeps retrying. @default 3 */
  maxStreamFailures?: number;
  /** A stream silent for this many heartbeat intervals is dead. @default DEFAULTS.watchdogHeartbeats (2.5) */
  watchdogHeartbeats?: number;
  /** How long the status probe of a refused stream may take. @default 5000 */
  probeTimeoutMs?: number;
}

/**
 * What one live client follows and how it applies what comes. The connection owns no
 * state of the caller's: it reads the cursor through `resumeUrl()` and `pollUrl()` at each
 * request, and hands every event and poll answer back to be applied.
 */
export interface LiveConnectionSpec<Name extends string, Answer extends object> {
  /** The stream's URL without a cursor; also what the probe of a refused stream asks. */
  streamUrl: string;
  /** The stream's URL resuming from the caller's cursor, read at each opening. */
  resumeUrl(): string;
  /** The stream events listened to. */
  eventNames: readonly Name[];
  /**
   * Applies one stream event: `data` is its JSON (null when it is not JSON), `id` its
   * `lastEventId` (null when empty). May `halt()` the connection (an end).
   */
  onEvent(name: Name, data: unknown, id: string | null): void;
  /** The polling URL with the caller's cursor, read at each poll. */
  pollUrl(): string;
  /** Between polls, in ms; also how long one poll may go unanswered. */
  pollIntervalMs: number;
  /** Reads a poll's JSON body into what `applyPoll` takes; null when unreadable. */
  readPoll(body: unknown): Answer | null;
  /** What the status says of an unreadable poll answer. */
  unreadablePoll: string;
  /** Applies a poll answer. May `halt()` the connection (an end). */
  applyPoll(answer: Answer): void;
  /** The server's heartbeat interval in ms, read each time the watchdog is armed. */
  heartbeatMs(): number;
  /** Shows the connection's status and why it is not live. */
  show(change: LiveStatusChange): void;
  /**
   * Ends following for good on a refusal (from the probe or a poll) besides the 401 the
   * connection handles itself (`signed_out`): halts the connection and returns true, or
   * returns false to go on as for any other refusal. @default none
   */
  stopFor?(error: ApiError): boolean;
  /** The reason shown when an open stream drops. */
  interrupted: string;
  /** The reason shown when the watchdog finds the stream silent. */
  silent: string;
}

/** A change of what a live client shows; a field left out keeps what is shown. */
export interface LiveStatusChange {
  status?: ConnectionStatus;
  /** Why the connection is not live; null when it is. */
  error?: string | null;
  /** With a 401 (status `offline`): the client waits for a sign-in. */
  authRequired?: true;
}

/**
 * What a live connection is doing; exactly one at a time (the README has the table of
 * transitions):
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
export type LiveConnectionMode = 'idle' | 'opening' | 'live' | 'probing' | 'waiting' | 'poll_only' | 'signed_out';

/** The connection machine a live client drives; `Rest` names the caller's own resting modes. */
export interface LiveConnection<Rest extends string> {
  readonly mode: LiveConnectionMode | Rest;
  /** True in `opening`, `live`, `probing`, `waiting` and `poll_only`. */
  readonly following: boolean;
  /** Follows afresh from the caller's cursor (the stream, or polling without `EventSource`). Call it from a resting mode. */
  follow(): void;
  /** Ends following: closes the stream, stops polling and every timer, and rests in `mode`. Shows nothing. */
  halt(mode: 'idle' | Rest): void;
  /**
   * In `signed_out`, follows afresh; while following, polls now if the fallback runs and
   * opens the stream now if it is waiting out a backoff; otherwise does nothing.
   */
  reconnect(): void;
}

const REFUSAL_CODES: readonly string[] = ['sse_disabled', 'too_many_connections'];
const FOLLOWING: readonly string[] = ['opening', 'live', 'probing', 'waiting', 'poll_only'] satisfies LiveConnectionMode[];
const NO_EVENTSOURCE = 'This browser cannot open a live stream (no EventSource).';

/**
 * Builds the connection machine both live clients share: the stream first, polling as
 * the fallback beside its retries, and one cursor the caller owns. A refused stream's
 * status is probed; retries back off with full jitter, never sooner than a 503's or
 * 429's `Retry-After`; fallback polling starts on a 503 refusal or the
 * `maxStreamFailures`-th failure in a row; a watchdog closes a stream silent for
 * `watchdogHeartbeats` heartbeats; a 401 stops everything (`signed_out`) until
 * `reconnect()`. Every transition aborts the current attempt (its requests and timers)
 * and every async continuation checks that its attempt, or its polling run, is still
 * current (issue 11), so a late answer changes nothing. Nothing happens until `follow()`.
 */
export function createLiveConnection<Name extends string, Answer extends object, Rest extends string = never>(
  options: LiveConnectionOptions,
  spec: LiveConnectionSpec<Name, Answer>,
): LiveConnection<Rest> {
  const EventSourceCtor =
    options.EventSource === undefined
      ? ((globalThis as { EventSource?: EventSourceConstructor }).EventSource ?? null)
      : options.EventSource;
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timers = options.timers ?? globalTimers;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const backoff = { baseMs: options.backoffBaseMs ?? 1000, capMs: options.backoffCapMs ?? 30_000 };
  const maxStreamFailures = options.maxStreamFailures ?? 3;
  const watchdogHeartbeats = options.watchdogHeartbeats ?? DEFAULTS.watchdogHeartbeats;
  const probeTimeoutMs = options.probeTimeoutMs ?? 5000;
  const { pollIntervalMs, show } = spec;

  let mode: LiveConnectionMode | Rest = 'idle';
  let attempt: Attempt = createAttempt(timers);
  // The stream of `opening` and `live`: the one resource that passes from one mode to the next.
  let source: EventSourceLike | null = null;
  let cancelWatchdog: () => void = () => {};
  const poller = createPoller({ timers, intervalMs: pollIntervalMs, poll });
  // A poll's answer that came while a stream attempt was opening: applied if that attempt fails.
  let deferredPoll: Answer | null = null;
  // Consecutive stream failures with no message received in between.
  let failures = 0;
  // Why the stream is not live, kept for the `polling` status.
  let streamError: string | null = null;

  /**
   * The only way the mode changes: ends the current attempt (its probe, its timers) and
   * the stream unless it is the one that just opened, starts or stops fallback polling,
   * and returns the new attempt.
   */
  function enter(next: LiveConnectionMode | Rest, withPolling: boolean): Attempt {
    attempt.abort();
    if (next !== 'live') closeSource();
    mode = next;
    attempt = createAttempt(timers);
    if (withPolling) poller.start();
    else stopPolling();
    return attempt;
  }

  function follow(): void {
    failures = 0;
    if (EventSourceCtor === null) {
      streamError = NO_EVENTSOURCE;
      enter('poll_only', true);
      show({ status: 'connecting', error: null });
    } else {
      streamError = null;
      openStream(null);
    }
  }

  /** `error` is what the `connecting` status says meanwhile; left out (a retry), the reason shown stays. */
  function openStream(error?: string | null): void {
    const fallback = poller.running;
    const opening = enter('opening', fallback);
    if (!fallback) show({ status: 'connecting', error });
    // A listener may have stopped the client just now: every dispatch can re-enter.
    if (opening.signal.aborted) return;
    const es = new EventSourceCtor!(spec.resumeUrl());
    source = es;
    es.addEventListener('open', () => {
      if (source === es && mode === 'opening') onOpen();
    });
    es.addEventListener('error', () => {
      if (source === es) void onStreamError();
    });
    for (const name of spec.eventNames) {
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
    show({ status: 'live', error: null });
    armWatchdog();
  }

  function onStreamEvent(name: Name, event: MessageEvent): void {
    if (mode === 'opening') onOpen();
    failures = 0;
    const id = typeof event.lastEventId === 'string' && event.lastEventId !== '' ? event.lastEventId : null;
    spec.onEvent(name, parseJson(event.data), id);
    // Does nothing once the event halted the connection.
    armWatchdog();
  }

  async function onStreamError(): Promise<void> {
    failures += 1;
    if (mode === 'live') {
      streamFailed(spec.interrupted, false, 0);
      return;
    }
    // EventSource hides the status of a refused stream: ask for it once.
    const probing = enter('probing', poller.running);
    applyDeferredPoll();
    if (probing.signal.aborted) return;
    const error = await probeStream(spec.streamUrl, probing, { fetch: fetchFn, timeoutMs: probeTimeoutMs, now });
    if (probing.signal.aborted) return;
    if (error === null) {
      streamFailed(spec.interrupted, false, 0);
    } else if (!stopFor(error)) {
      const refused = error.status === 503 && REFUSAL_CODES.includes(error.code);
      const honoured = error.status === 503 || error.status === 429;
      streamFailed(error.message, refused, honoured ? (error.retryAfterMs ?? 0) : 0);
    }
  }

  function onWatchdog(): void {
    failures += 1;
    streamFailed(spec.silent, false, 0);
    applyDeferredPoll();
  }

  /** Waits out the backoff (never less than `retryAfterMs`), polling meanwhile once the stream is refused or keeps failing. */
  function streamFailed(reason: string, refused: boolean, retryAfterMs: number): void {
    streamError = reason;
    const wasPolling = poller.running;
    const fallback = wasPolling || refused || failures >= maxStreamFailures;
    const waiting = enter('waiting', fallback);
    // Already polling, the poll results say how things stand; a new fallback keeps the status until its first answer.
    if (!wasPolling) show({ status: fallback ? undefined : 'connecting', error: reason });
    waiting.setTimeout(() => openStream(), Math.max(retryAfterMs, backoffDelay(failures - 1, random, backoff)));
  }

  /**
   * A 401 stops every request and timer until reconnect(): without credentials, retries
   * only hammer the server. The caller's refusals (a 404) end following too. True when it did.
   */
  function stopFor(error: ApiError): boolean {
    if (error.status === 401) {
      enter('signed_out', false);
      show({ status: 'offline', error: error.message, authRequired: true });
      return true;
    }
    return spec.stopFor?.(error) ?? false;
  }

  function armWatchdog(): void {
    cancelWatchdog();
    if (mode !== 'opening' && mode !== 'live') return;
    cancelWatchdog = attempt.setTimeout(onWatchdog, spec.heartbeatMs() * watchdogHeartbeats);
  }

  function stopPolling(): void {
    poller.stop();
    deferredPoll = null;
  }

  async function poll(request: PollRequest): Promise<void> {
    try {
      let response: Response;
      try {
        response = await fetchFn(spec.pollUrl(), {
          headers: { accept: 'application/json' },
          cache: 'no-store',
          signal: request.signal,
        });
      } catch (cause) {
        throw networkError(cause);
      }
      if (!response.ok) throw await apiErrorFromResponse(response, now());
      const answer = spec.readPoll(await response.json());
      if (answer === null) throw new ApiError(response.status, 'http_error', spec.unreadablePoll);
      if (request.signal.aborted) return;
      // A stream attempt in flight resumes from the cursor it was opened with; moving the
      // cursor under it would make its replay repeat what this answer holds. The answer is
      // deferred until that attempt ends: applied if it fails, dropped if it opens (the
      // stream then brings the same). A retry after a refusal (Retry-After 5 s) often lands
      // right after a poll, and dropping the answer would hide changes a whole interval.
      if (mode === 'opening') {
        deferredPoll = answer;
        return;
      }
      applyPoll(answer, request.current);
    } catch (cause) {
      // Polling stopped (the stream opened, a 401, a halt): the client has moved on.
      if (!request.current()) return;
      if (cause instanceof ApiError && stopFor(cause)) return;
      if (request.timedOut()) show({ status: 'offline', error: `The server did not answer within ${pollIntervalMs} ms.` });
      else show({ status: 'offline', error: cause instanceof Error ? cause.message : 'Cannot reach the server.' });
    }
  }

  /** Applies a poll answer, then shows `polling` unless applying it ended polling (an end, a listener's stop). */
  function applyPoll(answer: Answer, polling: () => boolean): void {
    spec.applyPoll(answer);
    if (polling()) show({ status: 'polling', error: streamError });
  }

  /** Applies the poll answer kept while a stream attempt was opening, now that it has failed. */
  function applyDeferredPoll(): void {
    const answer = deferredPoll;
    deferredPoll = null;
    if (answer === null || !poller.running) return;
    applyPoll(answer, () => poller.running);
  }

  return {
    get mode() {
      return mode;
    },
    get following() {
      return FOLLOWING.includes(mode);
    },
    follow,
    halt(next) {
      enter(next, false);
    },
    reconnect() {
      if (mode === 'signed_out') {
        follow();
        return;
      }
      if (!FOLLOWING.includes(mode)) return;
      if (poller.running) poller.pollNow();
      if (mode === 'waiting') openStream();
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
