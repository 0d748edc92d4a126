import type { Session } from './Session.ts';

/** Payload of `event: snapshot`: the whole list, sent to a fresh (or unresumable) stream. */
export interface SnapshotEvent {
  type: 'snapshot';
  sessions: Session[];
  /** Epoch milliseconds when the snapshot was taken. */
  at: number;
  /** The server's heartbeat interval (`SSE_HEARTBEAT_MS`); a client's watchdog uses 2.5×. */
  heartbeatMs: number;
}

/** Payload of `event: ping`, sent on idle streams only, never with an `id:`. */
export interface PingEvent {
  type: 'ping';
  /** Epoch milliseconds. */
  at: number;
}

interface ChangeEvent<T extends string> {
  type: T;
  /** The session's state after the change (its last state for `session_removed`). */
  session: Session;
  /** Epoch milliseconds when the change was published. */
  at: number;
}

/** Every stream event by its `event:` name. */
export interface StreamEventMap {
  snapshot: SnapshotEvent;
  session_created: ChangeEvent<'session_created'>;
  session_updated: ChangeEvent<'session_updated'>;
  session_removed: ChangeEvent<'session_removed'>;
  ping: PingEvent;
}

export type StreamEventName = keyof StreamEventMap;
export type StreamEvent = StreamEventMap[StreamEventName];

/** The events that describe one change to one session; each carries an id. */
export const SESSION_CHANGE_EVENTS = ['session_created', 'session_updated', 'session_removed'] as const;
export type SessionChangeEventName = (typeof SESSION_CHANGE_EVENTS)[number];
export type SessionChangeEvent = StreamEventMap[SessionChangeEventName];

/** Every name a client should listen for. */
export const STREAM_EVENT_NAMES: readonly StreamEventName[] = ['snapshot', ...SESSION_CHANGE_EVENTS, 'ping'];

export function isSessionChangeEventName(name: string): name is SessionChangeEventName {
  return (SESSION_CHANGE_EVENTS as readonly string[]).includes(name);
}

/** One piece of a session's output, as `event: output` data and in `GET …/output` answers. */
export interface OutputChunk {
  stream: 'stdout' | 'stderr';
  /** UTF-8 decoded; invalid bytes are U+FFFD, and a character is never split between chunks. */
  text: string;
  /** The byte offset just after this chunk: bytes of output since the session started. */
  offset: number;
}

/** Payload of `event: truncated`: output before `from` was dropped; what follows starts there. */
export interface OutputTruncatedEvent {
  type: 'truncated';
  /** Offset of the oldest byte kept. */
  from: number;
}

/** Payload of `event: end`: the session has ended and all its output was sent; the stream closes. */
export interface OutputEndEvent {
  type: 'end';
  /** The session's final state. */
  session: Session;
  /** The final offset. */
  offset: number;
}

/** Every event of `GET /api/sse/sessions/:id/output` by its `event:` name. */
export interface OutputStreamEventMap {
  output: OutputChunk;
  truncated: OutputTruncatedEvent;
  end: OutputEndEvent;
  ping: PingEvent;
}

export type OutputStreamEventName = keyof OutputStreamEventMap;

/** Every name an output-stream client should listen for. */
export const OUTPUT_STREAM_EVENT_NAMES: readonly OutputStreamEventName[] = ['output', 'truncated', 'end', 'ping'];
