import type { ErrorCode } from '@sessionboard/protocol';

/**
 * An error a handler throws to answer with the JSON error envelope of PROTOCOL.md;
 * `errorHandler` renders it. `message` is shown to the client, so it must be safe and actionable.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly details: unknown;
  /** Sent as `Retry-After` (seconds) with the error, when set. */
  readonly retryAfterS: number | undefined;

  constructor(status: number, code: ErrorCode, message: string, details?: unknown, options: { retryAfterS?: number } = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfterS = options.retryAfterS;
  }
}
