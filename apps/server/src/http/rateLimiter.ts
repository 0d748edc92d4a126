import type { RequestHandler } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import type { Logger } from 'pino';
import { HttpError } from './HttpError.ts';

/** Options of {@link rateLimiter}. */
export interface RateLimiterOptions {
  /**
   * Where requests are counted; a shared store (a cluster's Redis) counts them across
   * instances, and when it fails the request is let through. @default in memory
   */
  store?: Store;
  /** Where a failing shared store is reported. */
  logger?: Logger;
}

/**
 * `limitPerMinute` requests per client address and minute over the router it is mounted on
 * (`/api`), with the IETF draft-8 `RateLimit` headers and `Retry-After` on a 429. The streams,
 * the health check and the OpenAPI document are exempt: a reconnecting dashboard must never
 * lock itself out, and a monitor or a tool reading the API description must not be refused.
 */
export function rateLimiter(limitPerMinute: number, options: RateLimiterOptions = {}): RequestHandler {
  const { store, logger } = options;
  const shared =
    store === undefined
      ? {}
      : {
          store,
          passOnStoreError: true,
          logger: {
            error: (error: unknown, message?: string) => logger?.debug({ err: error }, message ?? 'rate limit store failed'),
            warn: (error: unknown, message?: string) => logger?.warn({ err: error }, message ?? 'rate limit store'),
          },
        };
  return rateLimit({
    ...shared,
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
