export { SESSION_STATUSES, isEndedStatus, isLiveStatus } from './Session.ts';
export type { Session, SessionStatus } from './Session.ts';
export { OUTPUT_STREAM_EVENT_NAMES, SESSION_CHANGE_EVENTS, STREAM_EVENT_NAMES, isSessionChangeEventName } from './events.ts';
export type {
  OutputChunk,
  OutputEndEvent,
  OutputStreamEventMap,
  OutputStreamEventName,
  OutputTruncatedEvent,
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
export { API_PATHS, DEFAULTS, OUTPUT_LIMITS, SESSION_LIMITS, sessionOutputPath, sessionOutputStreamPath } from './api.ts';
export type {
  AuthStatusResponse,
  CreateSessionRequest,
  DirListing,
  HealthResponse,
  LoginRequest,
  SessionListResponse,
  SessionOutputResponse,
} from './api.ts';
