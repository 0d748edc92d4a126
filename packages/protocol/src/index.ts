export { SESSION_STATUSES, isLiveStatus } from './Session.ts';
export type { Session, SessionStatus } from './Session.ts';
export { SESSION_CHANGE_EVENTS, STREAM_EVENT_NAMES, isSessionChangeEventName } from './events.ts';
export type {
  PingEvent,
  SessionChangeEvent,
  SessionChangeEventName,
  SnapshotEvent,
  StreamEvent,
  StreamEventMap,
  StreamEventName,
} from './events.ts';
export { ERROR_STATUS, isErrorBody } from './errors.ts';
export type { ErrorBody, ErrorCode } from './errors.ts';
export { API_PATHS, DEFAULTS, SESSION_LIMITS } from './api.ts';
export type {
  AuthStatusResponse,
  CreateSessionRequest,
  DirListing,
  HealthResponse,
  LoginRequest,
  SessionListResponse,
} from './api.ts';
