import type { RequestHandler } from 'express';
import { HttpError } from './HttpError.ts';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** Answers 415 `unsupported_media_type` to a POST, PUT or PATCH whose body is not JSON. */
export const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (BODY_METHODS.has(req.method) && hasBody && !req.is('application/json')) {
    const type = req.headers['content-type'] ?? 'none';
    next(new HttpError(415, 'unsupported_media_type', `Send the body as application/json (got ${type}).`));
    return;
  }
  next();
};
