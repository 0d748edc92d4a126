import type { OutputChunk, Session, SessionOutputResponse } from '@sessionboard/protocol';

/** Every state of an output client, as the output view names them. */
export const OUTPUT_FOLLOW_STATES = ['connecting', 'live', 'polling', 'paused', 'ended', 'offline', 'not_found'] as const;

/**
 * - `connecting`: opening (or re-opening) the output stream.
 * - `live`: the output stream is open.
 * - `polling`: the stream is unavailable and `GET /api/sessions/:id/output` answers.
 * - `paused`: `pause()` (a hidden tab): nothing is followed until `resume()`.
 * - `ended`: the session ended and all its output was received; nothing more will come.
 * - `offline`: neither the stream nor polling works, or the client was stopped.
 * - `not_found`: the server does not know the session (404); the client stopped.
 */
export type OutputFollowState = (typeof OUTPUT_FOLLOW_STATES)[number];

/**
 * A piece of what the view shows, in order:
 * - `output`: a run of one stream's text, bytes `start` to `end` of the session's output.
 *   Contiguous chunks of the same stream are merged up to {@link OUTPUT_SEGMENT_BYTES}, so
 *   only the last segment changes while output arrives; `start` never changes and keys it.
 * - `truncated`: output before `from` was dropped here: by the server (`by: 'server'`, it
 *   keeps the last `SESSIONS_OUTPUT_BYTES`, or this client fell behind), or by this client to
 *   stay within its bound (`by: 'client'`, always the first segment).
 */
export type OutputSegment =
  | { readonly kind: 'output'; readonly stream: OutputChunk['stream']; readonly text: string; readonly start: number; readonly end: number }
  | { readonly kind: 'truncated'; readonly from: number; readonly by: 'server' | 'client' };

/** Contiguous chunks of one stream are merged into a segment up to this many bytes. */
export const OUTPUT_SEGMENT_BYTES = 16 * 1024;

/** What an output client keeps at most; the oldest segments go first, and a mark says so. */
export interface OutputLimits {
  /** Bytes of output (as the process wrote them) kept in `segments`; exceeded by at most the newest segment. @default 2 MiB */
  maxTextBytes: number;
  /** Segments kept, marks included (interleaved stdout and stderr make many small ones). @default 10 000 */
  maxSegments: number;
}

/** The default {@link OutputLimits}. */
export const DEFAULT_OUTPUT_LIMITS: OutputLimits = { maxTextBytes: 2 * 1024 * 1024, maxSegments: 10_000 };

/** Everything an output client knows about one session's output. Never mutated: every change makes a new object. */
export interface OutputState {
  readonly sessionId: string;
  readonly state: OutputFollowState;
  /** The cursor: the byte offset the segments reach (shown up to); resuming and polling start after it. */
  readonly offset: number;
  readonly segments: readonly OutputSegment[];
  /** Bytes of output in `segments`. */
  readonly keptBytes: number;
  /** The session's final state, from the stream's `end`; null before, and after an `ended` poll (which has none). */
  readonly session: Session | null;
  /** Why the output is not live, in words a person can act on; null when it is. */
  readonly error: string | null;
  /** True while the server refuses this client's credentials (401); absent otherwise. */
  readonly authRequired?: true;
  /** Epoch ms of the last output, mark or poll answer applied; null before the first. */
  readonly lastUpdateAt: number | null;
}

/** One change to an {@link OutputState}. */
export type OutputMessage =
  /** `event: output`; ignored when it ends at or before the cursor (a repeat). */
  | { type: 'output'; chunk: OutputChunk; at: number }
  /** `event: truncated`; ignored unless `from` is past the cursor. */
  | { type: 'truncated'; from: number; at: number }
  /** A `GET …/output?after=<offset>` answer: `from` past the cursor marks a gap; `ended` ends. */
  | { type: 'poll'; response: SessionOutputResponse; at: number }
  /** `event: end`: state `ended`; an `offset` past the cursor is marked as a gap. */
  | { type: 'end'; session: Session; offset: number; at: number }
  | { type: 'status'; state: OutputFollowState; error: string | null; authRequired?: boolean };

/** A state with no output, offset 0, and state `connecting`. */
export function createOutputState(sessionId: string): OutputState {
  return { sessionId, state: 'connecting', offset: 0, segments: [], keptBytes: 0, session: null, error: null, lastUpdateAt: null };
}

/**
 * Applies one message within `limits`. Returns `state` itself when the message changes
 * nothing (a repeated chunk, the same status), so callers can skip notifying.
 */
export function reduceOutputState(state: OutputState, message: OutputMessage, limits: OutputLimits = DEFAULT_OUTPUT_LIMITS): OutputState {
  switch (message.type) {
    case 'status': {
      const authRequired = message.authRequired === true;
      if (state.state === message.state && state.error === message.error && (state.authRequired === true) === authRequired) {
        return state;
      }
      const { authRequired: _dropped, ...rest } = state;
      const next = { ...rest, state: message.state, error: message.error };
      return authRequired ? { ...next, authRequired: true } : next;
    }
    case 'output': {
      if (message.chunk.offset <= state.offset) return state;
      const draft = createDraft(state);
      appendChunk(draft, message.chunk);
      return commit(state, draft, limits, message.at);
    }
    case 'truncated': {
      if (message.from <= state.offset) return state;
      const draft = createDraft(state);
      markGap(draft, message.from);
      return commit(state, draft, limits, message.at);
    }
    case 'poll': {
      const { response } = message;
      const draft = createDraft(state);
      if (response.from > draft.offset) markGap(draft, response.from);
      for (const chunk of response.chunks) {
        if (chunk.offset > draft.offset) appendChunk(draft, chunk);
      }
      // The answer reaches `offset` even where no chunk does (nothing more was kept).
      if (response.offset > draft.offset) markGap(draft, response.offset);
      const next = commit(state, draft, limits, message.at);
      return response.ended ? { ...next, state: 'ended', error: null } : next;
    }
    case 'end': {
      const draft = createDraft(state);
      // The server sends `end` after all the output, so this is a gap only if bytes went missing.
      if (message.offset > draft.offset) markGap(draft, message.offset);
      const next = commit(state, draft, limits, message.at);
      const { authRequired: _dropped, ...rest } = next;
      return { ...rest, state: 'ended', error: null, session: message.session };
    }
  }
}

interface Draft {
  segments: OutputSegment[];
  offset: number;
  keptBytes: number;
  changed: boolean;
}

function createDraft(state: OutputState): Draft {
  return { segments: [...state.segments], offset: state.offset, keptBytes: state.keptBytes, changed: false };
}

function appendChunk(draft: Draft, chunk: OutputChunk): void {
  const start = draft.offset;
  const last = draft.segments.at(-1);
  if (
    last !== undefined &&
    last.kind === 'output' &&
    last.stream === chunk.stream &&
    last.end === start &&
    chunk.offset - last.start <= OUTPUT_SEGMENT_BYTES
  ) {
    draft.segments[draft.segments.length - 1] = { ...last, text: last.text + chunk.text, end: chunk.offset };
  } else {
    draft.segments.push({ kind: 'output', stream: chunk.stream, text: chunk.text, start, end: chunk.offset });
  }
  draft.keptBytes += chunk.offset - start;
  draft.offset = chunk.offset;
  draft.changed = true;
}

/** Output before `from` (and after the cursor) was dropped: one mark, the cursor moves there. */
function markGap(draft: Draft, from: number): void {
  const last = draft.segments.at(-1);
  const mark: OutputSegment = { kind: 'truncated', from, by: 'server' };
  // Two gaps in a row are one: output before the later `from` is missing.
  if (last?.kind === 'truncated') draft.segments[draft.segments.length - 1] = mark;
  else draft.segments.push(mark);
  draft.offset = from;
  draft.changed = true;
}

function commit(state: OutputState, draft: Draft, limits: OutputLimits, at: number): OutputState {
  if (!draft.changed) return state;
  trim(draft, limits);
  return { ...state, segments: draft.segments, offset: draft.offset, keptBytes: draft.keptBytes, lastUpdateAt: at };
}

/** Drops the oldest segments beyond `limits` (keeping the newest) and puts one client mark first. */
function trim(draft: Draft, limits: OutputLimits): void {
  const { segments } = draft;
  if (draft.keptBytes <= limits.maxTextBytes && segments.length <= limits.maxSegments) return;
  let drop = 0;
  // `+ 1` counts the mark that will lead what is kept.
  while (drop < segments.length - 1 && (draft.keptBytes > limits.maxTextBytes || segments.length - drop + 1 > limits.maxSegments)) {
    const segment = segments[drop]!;
    if (segment.kind === 'output') draft.keptBytes -= segment.end - segment.start;
    drop += 1;
  }
  // Marks now leading describe output before what is kept: the client's mark replaces them.
  while (drop < segments.length && segments[drop]!.kind === 'truncated') drop += 1;
  const kept = segments.slice(drop);
  const first = kept[0];
  const from = first?.kind === 'output' ? first.start : draft.offset;
  draft.segments = [{ kind: 'truncated', from, by: 'client' }, ...kept];
}
