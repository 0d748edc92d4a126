import { DEFAULTS, OUTPUT_STREAM_EVENT_NAMES, sessionOutputPath, sessionOutputStreamPath } from '@sessionboard/protocol';
import type { OutputChunk, OutputEndEvent, OutputStreamEventName, OutputTruncatedEvent, SessionOutputResponse } from '@sessionboard/protocol';
import { DEFAULT_OUTPUT_LIMITS, createOutputState, reduceOutputState } from './OutputState.ts';
import type { OutputFollowState, OutputLimits, OutputMessage, OutputState } from './OutputState.ts';
import { createLiveConnection } from './createLiveConnection.ts';
import type { LiveConnectionMode, LiveConnectionOptions } from './createLiveConnection.ts';

/** Dependencies and tuning of {@link createOutputClient}; all but `sessionId` have a default. */
export interface OutputClientOptions extends LiveConnectionOptions {
  /** The session whose output to follow. */
  sessionId: string;
  /** Prefix of every path, without a trailing slash. @default '' (same origin) */
  baseUrl?: string;
  /** Between polls; also how long one poll may go unanswered. @default DEFAULTS.outputPollIntervalMs (2000) */
  pollIntervalMs?: number;
  /**
   * The server's heartbeat interval, which the output stream shares with the sessions
   * stream: pass the sessions client's `state.heartbeatMs` when known. @default DEFAULTS.sseHeartbeatMs (30 000)
   */
  heartbeatMs?: number | null;
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
 * What a {@link createOutputClient} is doing; exactly one at a time. The modes of its
 * {@link LiveConnectionMode | live connection}, as for the sessions client, plus `paused`,
 * and two ends: `ended` (all output received) and `not_found` (404).
 */
export type OutputClientMode = LiveConnectionMode | 'paused' | 'ended' | 'not_found';

/**
 * Builds a client that follows `GET /api/sse/sessions/:id/output`, resuming from the
 * offset it holds (`?lastEventId=<offset>`), and on a missing `EventSource`, a refusal
 * (503) or repeated failures polls `GET /api/sessions/:id/output?after=<offset>` every 2 s
 * while it retries the stream with exponential backoff and full jitter. The offset is the
 * one cursor of both, so switching neither repeats nor loses a byte. `end` (or an `ended`
 * poll) ends it; a 404 stops it as `not_found`, a 401 as `offline` with `authRequired`
 * until `start()` or `reconnect()`. Its connection is the machine of {@link createLiveConnection}:
 * every transition aborts the current attempt (requests, timers) and every async
 * continuation checks it is still current. Nothing happens until `start()`.
 */
export function createOutputClient(options: OutputClientOptions): OutputClient {
  const baseUrl = options.baseUrl ?? '';
  const now = options.now ?? Date.now;
  const heartbeatMs = options.heartbeatMs ?? DEFAULTS.sseHeartbeatMs;
  const limits: OutputLimits = {
    maxTextBytes: options.maxTextBytes ?? DEFAULT_OUTPUT_LIMITS.maxTextBytes,
    maxSegments: Math.max(2, options.maxSegments ?? DEFAULT_OUTPUT_LIMITS.maxSegments),
  };
  const streamUrl = `${baseUrl}${sessionOutputStreamPath(options.sessionId)}`;
  const pollUrl = `${baseUrl}${sessionOutputPath(options.sessionId)}`;

  let state = createOutputState(options.sessionId);
  const listeners = new Set<OutputListener>();

  function dispatch(message: OutputMessage): void {
    const next = reduceOutputState(state, message, limits);
    if (next === state) return;
    state = next;
    for (const listener of [...listeners]) listener(state, message);
  }

  function setState(next: OutputFollowState, error: string | null): void {
    dispatch({ type: 'status', state: next, error });
  }

  const connection = createLiveConnection<OutputStreamEventName, PollMessage, 'paused' | 'ended' | 'not_found'>(options, {
    streamUrl,
    // Without output yet, no id: the server starts with all it keeps (or `truncated` first).
    resumeUrl: () => (state.offset === 0 ? streamUrl : `${streamUrl}?lastEventId=${state.offset}`),
    eventNames: OUTPUT_STREAM_EVENT_NAMES,
    onEvent(name, data) {
      if (name === 'output' && isChunk(data)) {
        dispatch({ type: 'output', chunk: data, at: now() });
      } else if (name === 'truncated' && isTruncated(data)) {
        dispatch({ type: 'truncated', from: data.from, at: now() });
      } else if (name === 'end' && isEnd(data)) {
        // The server closes the stream now; a native EventSource would reconnect, so close it first.
        connection.halt('ended');
        dispatch({ type: 'end', session: data.session, offset: data.offset, at: now() });
      }
    },
    pollUrl: () => `${pollUrl}?after=${state.offset}`,
    pollIntervalMs: options.pollIntervalMs ?? DEFAULTS.outputPollIntervalMs,
    readPoll: (body) => (isOutputResponse(body) ? { type: 'poll', response: body, at: now() } : null),
    unreadablePoll: 'The server sent unreadable output.',
    applyPoll(message) {
      if (message.response.ended) connection.halt('ended');
      dispatch(message);
    },
    heartbeatMs: () => heartbeatMs,
    show({ status = state.state, error = state.error, authRequired }) {
      dispatch(authRequired ? { type: 'status', state: status, error, authRequired } : { type: 'status', state: status, error });
    },
    // The server does not know the session: retrying cannot help.
    stopFor(error) {
      if (error.status !== 404) return false;
      connection.halt('not_found');
      setState('not_found', error.message);
      return true;
    },
    interrupted: 'The output stream was interrupted; reconnecting.',
    silent: 'The output stream went silent; reconnecting.',
  });

  return {
    start() {
      const { mode } = connection;
      if (mode === 'idle' || mode === 'signed_out' || mode === 'not_found') connection.follow();
    },
    stop() {
      const { mode } = connection;
      if (mode === 'idle' || mode === 'ended' || mode === 'not_found') return;
      connection.halt('idle');
      setState('offline', null);
    },
    pause() {
      if (!connection.following) return;
      connection.halt('paused');
      setState('paused', null);
    },
    resume() {
      if (connection.mode === 'paused') connection.follow();
    },
    reconnect: connection.reconnect,
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

type PollMessage = OutputMessage & { type: 'poll' };

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
