import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { HttpError } from './HttpError.ts';

/**
 * `limitPerMinute` requests per client address and minute over the router it is mounted on
 * (`/api`), with the IETF draft-8 `RateLimit` headers and `Retry-After` on a 429. The streams,
 * the health check and the OpenAPI document are exempt: a reconnecting dashboard must never
 * lock itself out, and a monitor or a tool reading the API description must not be refused.
 */
export function rateLimiter(limitPerMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: limitPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skip: (req) => req.path === '/health' || req.path === '/openapi.json' || req.path.startsWith('/sse/'),
    handler: (_req, _res, next, options) => {
      next(new HttpError(429, 'rate_limited', `More than ${options.limit} requests a minute; wait for Retry-After seconds.`));
    },
  });
}
