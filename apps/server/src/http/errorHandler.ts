import type { ErrorBody, ErrorCode } from '@sessionboard/protocol';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { HttpError } from './HttpError.ts';

/** Codes for errors that other middleware (body-parser, static files) raise with a status. */
const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'invalid_body',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

interface ForeignError {
  type?: unknown;
  status?: unknown;
  expose?: unknown;
  message?: unknown;
}

/** Turns anything thrown into the error a client is told about; undefined for a server fault. */
function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { type, status, expose } = error as ForeignError;
  // body-parser marks its errors with a `type`.
  switch (type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'invalid_json', `The request body is not valid JSON: ${String((error as Error).message)}`);
    case 'entity.too.large':
      return new HttpError(413, 'payload_too_large', 'The request body is larger than 16 KiB.');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new HttpError(415, 'unsupported_media_type', 'Send the body as UTF-8 application/json without content encoding.');
    case 'request.aborted':
    case 'request.size.invalid':
      return new HttpError(400, 'invalid_json', 'The request body ended before its declared length.');
  }
  if (typeof status === 'number' && status >= 400 && status < 500 && expose !== false) {
    const code = CODE_BY_STATUS[status];
    // Express answers 400 to a path parameter it cannot decode: no resource has such a name.
    if (status === 400 && /decode param/i.test(String((error as Error).message))) {
      return new HttpError(404, 'not_found', 'Nothing is found at this address.');
    }
    if (code) return new HttpError(status, code, String((error as Error).message));
  }
  return undefined;
}

/**
 * The one renderer of errors: `{"error":{"code","message","details"?}}`, never a stack trace.
 * Anything unexpected is logged and answered with 500 `internal`.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let httpError = toHttpError(error);
    if (!httpError) {
      logger.error({ err: error, method: req.method, url: req.originalUrl }, 'request failed');
      httpError = new HttpError(500, 'internal', 'Something went wrong on the server; it has been logged.');
    }
    if (res.headersSent) {
      // A stream had started: there is no envelope to send any more.
      res.destroy();
      return;
    }
    if (httpError.retryAfterS !== undefined) res.setHeader('Retry-After', String(httpError.retryAfterS));
    const body: ErrorBody = { error: { code: httpError.code, message: httpError.message } };
    if (httpError.details !== undefined) body.error.details = httpError.details;
    // An error is about this request only; no cache may hand it to another.
    res.setHeader('Cache-Control', 'no-store');
    res.status(httpError.status).json(body);
  };
}

/** Answers 404 `not_found` for a route under `/api` that does not exist. */
export const apiNotFound: RequestHandler = (req, _res, next) => {
  const path = req.originalUrl.split('?')[0];
  next(new HttpError(404, 'not_found', `No API route ${req.method} ${path}.`));
};
