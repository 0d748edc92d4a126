import type { Session } from './Session.ts';
import type { OutputChunk } from './events.ts';

/** Paths of the HTTP API. */
export const API_PATHS = {
  health: '/api/health',
  sessions: '/api/sessions',
  stream: '/api/sse/sessions',
  dirs: '/api/fs/dirs',
  login: '/api/auth/login',
  logout: '/api/auth/logout',
  authStatus: '/api/auth/status',
  openapi: '/api/openapi.json',
  metrics: '/metrics',
} as const;

/** `GET /api/sessions/:id/output`: a session's output, for clients that poll. */
export function sessionOutputPath(id: string): string {
  return `${API_PATHS.sessions}/${encodeURIComponent(id)}/output`;
}

/** `GET /api/sse/sessions/:id/output`: a session's output as a live stream. */
export function sessionOutputStreamPath(id: string): string {
  return `${API_PATHS.stream}/${encodeURIComponent(id)}/output`;
}

/**
 * `GET /api/health`: 200 `{"status":"ok"}`; with `REDIS_URL` and Redis unreachable, 503
 * `{"status":"unavailable","redis":"down"}`. Other fields may be added (details for operators).
 */
export interface HealthResponse {
  status: 'ok' | 'unavailable';
  /** Only with `REDIS_URL`. */
  redis?: 'up' | 'down';
  /** This instance's name (`INSTANCE_NAME`). */
  instance?: string;
  /** Whether this server accepts streams: `SSE_ENABLED`, and the share of browsers it accepts them from. */
  sse?: { enabled: boolean; rolloutPercent: number };
}

/** `GET /api/sessions/:id/output?after=<offset>`. */
export interface SessionOutputResponse {
  /** The output kept after `after` (or after `from`, when `after` is older than what is kept). */
  chunks: OutputChunk[];
  /** The offset the answer reaches: the next poll's `after`. */
  offset: number;
  /** Offset of the oldest byte kept; greater than `after` when output in between was dropped. */
  from: number;
  /** The session has ended and `offset` is its final offset: nothing more will come. */
  ended: boolean;
}

/** `GET /api/sessions`: the list and the id of the last event it reflects. */
export interface SessionListResponse {
  sessions: Session[];
  /** A client may resume the stream from this id. */
  lastEventId: string;
}

/** Body of `POST /api/sessions`. */
export interface CreateSessionRequest {
  /** argv, 1..64 items, each 1..4096 chars. */
  command: string[];
  /** 1..100 chars; defaults to the command's basename. */
  name?: string;
  /** Absolute directory inside `FS_ROOT`; defaults to `FS_ROOT`. */
  cwd?: string;
}

/** `GET /api/fs/dirs?path=`. */
export interface DirListing {
  path: string;
  parent: string | null;
  /** Subdirectory names, sorted. */
  dirs: string[];
}

/** Body of `POST /api/auth/login`. */
export interface LoginRequest {
  token: string;
}

/** `GET /api/auth/status`: whether this server wants a token, and whether this request has one. */
export interface AuthStatusResponse {
  /** `AUTH_TOKEN` is set. */
  authRequired: boolean;
  /** This request is authorised (always true when auth is off). */
  authenticated: boolean;
}

/** Limits on a session request, as PROTOCOL.md states them. */
export const SESSION_LIMITS = {
  nameMaxLength: 100,
  commandMaxItems: 64,
  argMaxLength: 4096,
} as const;

/** Defaults of the environment table in PROTOCOL.md. */
export const DEFAULTS = {
  host: '127.0.0.1',
  port: 4021,
  rateLimitPerMinute: 100,
  sseMaxConnections: 1000,
  sseHeartbeatMs: 30_000,
  sseReplayEvents: 1000,
  sseRetryMs: 2000,
  sessionsMaxLive: 64,
  sessionsKeepEnded: 200,
  killGraceMs: 5000,
  sseRolloutPercent: 100,
  sessionsOutputBytes: 1_048_576,
  instanceTtlMs: 15_000,
  /** The dashboard's polling interval for a session's output when it cannot stream it. */
  outputPollIntervalMs: 2000,
  /** The dashboard's polling interval when it cannot stream. */
  pollIntervalMs: 10_000,
  /** A stream silent for this many heartbeat intervals is dead. */
  watchdogHeartbeats: 2.5,
} as const;

/** How a session's output is cut into events, as PROTOCOL.md's Output section states it. */
export const OUTPUT_LIMITS = {
  /** Events a second on one output stream, at most. */
  maxChunksPerSecond: 20,
  /** Bytes of output in one event, at most. */
  maxChunkBytes: 256 * 1024,
  /** How long a byte may wait before it is sent (to a client that keeps up). */
  maxDelayMs: 100,
} as const;
