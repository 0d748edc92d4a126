import { isErrorBody } from '@sessionboard/protocol';
import type { ErrorCode } from '@sessionboard/protocol';
import { parseRetryAfter } from './parseRetryAfter.ts';

/** An `error.code` of the API, or what the client names a failure with no envelope. */
export type ApiErrorCode = ErrorCode | 'http_error' | 'network_error';

/** A failed API call: the HTTP status (0 when the server was not reached) and the server's words. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
    /** From `Retry-After`, when the server sent one. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

/**
 * Reads a non-2xx response into an {@link ApiError}, keeping the server's `code` and
 * `message` from the `{"error": …}` envelope; a response without one (a proxy's 502 page)
 * gets code `http_error`.
 */
export async function apiErrorFromResponse(response: Response, nowMs: number): Promise<ApiError> {
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), nowMs);
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: keep the status alone.
  }
  if (isErrorBody(body)) {
    return new ApiError(response.status, body.error.code, body.error.message, body.error.details, retryAfterMs);
  }
  const text = response.statusText ? ` ${response.statusText}` : '';
  return new ApiError(
    response.status,
    'http_error',
    `The server answered ${response.status}${text}.`,
    undefined,
    retryAfterMs,
  );
}

/** The {@link ApiError} for a request that never got an answer. */
export function networkError(cause: unknown): ApiError {
  const reason = cause instanceof Error && cause.message ? ` (${cause.message})` : '';
  return new ApiError(0, 'network_error', `Cannot reach the server${reason}.`);
}
