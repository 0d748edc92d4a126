import type { RequestHandler } from 'express';
import { HttpError } from './HttpError.ts';

const ALLOW_METHODS = 'GET, POST, DELETE';
const ALLOW_HEADERS = 'Authorization, Content-Type, Last-Event-ID';
export const EXPOSE_HEADERS = 'Location, Retry-After, RateLimit, RateLimit-Policy';
const PREFLIGHT_MAX_AGE_S = 600;

/**
 * CORS for exactly the origins of `CORS_ORIGINS`, never a wildcard: a listed `Origin` is
 * echoed with `Access-Control-Allow-Credentials: true` (the cookie and `Authorization` may
 * cross), and its preflight is answered 204 with the methods and headers the API takes. Any
 * other origin gets no CORS header, and its preflight 403 `forbidden`. `Vary: Origin` is on
 * every response once some origin is listed, so no cache hands one origin's answer to another.
 */
export function corsHeaders(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  return (req, res, next) => {
    if (allowed.size > 0) res.vary('Origin');
    const origin = req.headers.origin;
    const preflight = req.method === 'OPTIONS' && origin !== undefined && req.headers['access-control-request-method'] !== undefined;
    if (origin === undefined || !allowed.has(origin)) {
      if (preflight) throw new HttpError(403, 'forbidden', `The origin ${origin} is not in CORS_ORIGINS.`);
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    if (!preflight) {
      res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Methods', ALLOW_METHODS);
    res.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
    res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_S));
    res.status(204).end();
  };
}
