/** Every `error.code` the API answers with, and the status it comes with. */
export const ERROR_STATUS = {
  invalid_json: 400,
  invalid_body: 400,
  invalid_cwd: 400,
  invalid_path: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  too_many_sessions: 429,
  internal: 500,
  too_many_connections: 503,
  sse_disabled: 503,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The one error envelope: `{"error": {"code", "message", "details"?}}`. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    /** A sentence a person can act on. */
    message: string;
    details?: unknown;
  };
}

export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
