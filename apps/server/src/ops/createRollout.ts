import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { RolloutMetrics } from '../metrics/createRolloutMetrics.ts';
import { bucketCookie, bucketOf, forgetBucket, isSecureRequest, rolloutGroup } from './rollout.ts';

/** Seconds a browser outside the rollout is told to wait before asking for the stream again, as with `SSE_ENABLED=false`. */
export const RETRY_AFTER_ROLLOUT_S = 60;

/** Why a stream is refused for being outside the rollout: the error envelope's parts and headers. */
export interface RolloutRefusal {
  status: 503;
  code: 'sse_disabled';
  message: string;
  headers: { 'Retry-After': string };
  /** The `reason` label of `sse_connections_rejected_total`. */
  rejectedReason: 'rollout';
}

/** The gradual rollout of the stream (`SSE_ROLLOUT_PERCENT`), as the server applies it. */
export interface Rollout {
  /**
   * The rollout's step of stream admission, for a request already found enabled: counts the
   * request by group and answers the refusal for a browser outside, undefined for one inside.
   * Then forgets the request's bucket (a stream lives for hours and never asks again). Call it
   * once per stream request, where the decision is final.
   */
  admit(req: IncomingMessage): RolloutRefusal | undefined;
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
    cookieFor,
    admit(req) {
      const group = groupOf(req);
      forgetBucket(req);
      metrics.streams.inc({ rollout: group });
      if (group === 'in') return undefined;
      return {
        status: 503,
        code: 'sse_disabled',
        message: `The live stream is being rolled out to ${percent} % of browsers, and not yet to this one; poll GET /api/sessions instead.`,
        headers: { 'Retry-After': String(RETRY_AFTER_ROLLOUT_S) },
        rejectedReason: 'rollout',
      };
    },
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
