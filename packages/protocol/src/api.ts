import type { Session } from './Session.ts';

/** Paths of the HTTP API. */
export const API_PATHS = {
  health: '/api/health',
  sessions: '/api/sessions',
  stream: '/api/sse/sessions',
  dirs: '/api/fs/dirs',
  login: '/api/auth/login',
  logout: '/api/auth/logout',
  authStatus: '/api/auth/status',
  metrics: '/metrics',
} as const;

/** `GET /api/health`. */
export interface HealthResponse {
  status: 'ok';
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
  /** The dashboard's polling interval when it cannot stream. */
  pollIntervalMs: 10_000,
  /** A stream silent for this many heartbeat intervals is dead. */
  watchdogHeartbeats: 2.5,
} as const;
