import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { RolloutMetrics } from '../metrics/createRolloutMetrics.ts';
import { bucketCookie, bucketOf, forgetBucket, isSecureRequest, rolloutGroup, type RolloutGroup } from './rollout.ts';

/** The gradual rollout of the stream (`SSE_ROLLOUT_PERCENT`), as the server applies it. */
export interface Rollout {
  /** 0..100. */
  readonly percent: number;
  /** The request's group, by its bucket (drawn once per request when it has no cookie). */
  groupOf(req: IncomingMessage): RolloutGroup;
  /**
   * Counts a stream request whose rollout decision is final. With `req`, also forgets its
   * bucket (the stream has opened and never asks again).
   */
  countStream(group: RolloutGroup, req?: IncomingMessage): void;
  /** The `Set-Cookie` value a response to `req` must carry, or undefined when it has a bucket already. */
  cookieFor(req: IncomingMessage): string | undefined;
  /**
   * Express middleware for every request: sets the bucket cookie on the response when the
   * request had none, and counts polls (`GET /api/sessions`) by group.
   */
  middleware: RequestHandler;
}

export interface RolloutDeps {
  /** `SSE_ROLLOUT_PERCENT`, 0..100. */
  percent: number;
  metrics: RolloutMetrics;
  /** Picks a bucket for a request without one, 0..99. @default crypto.randomInt(100) */
  draw?: () => number;
}

/** Builds the rollout: sticky buckets in a cookie, in while bucket < percent. */
export function createRollout({ percent, metrics, draw }: RolloutDeps): Rollout {
  const groupOf = (req: IncomingMessage) => rolloutGroup(bucketOf(req, draw).value, percent);
  const cookieFor = (req: IncomingMessage) => {
    const bucket = bucketOf(req, draw);
    return bucket.fresh ? bucketCookie(bucket.value, { secure: isSecureRequest(req) }) : undefined;
  };
  return {
    percent,
    groupOf,
    countStream: (group, req) => {
      metrics.streams.inc({ rollout: group });
      if (req !== undefined) forgetBucket(req);
    },
    cookieFor,
    middleware: (req, res, next) => {
      const cookie = cookieFor(req);
      if (cookie !== undefined) res.append('Set-Cookie', cookie);
      if (req.method === 'GET' && (req.path === '/api/sessions' || req.path === '/api/sessions/')) {
        metrics.polls.inc({ rollout: groupOf(req) });
      }
      next();
    },
  };
}
