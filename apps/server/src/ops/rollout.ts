import { randomInt } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The cookie that holds a browser's rollout bucket. */
export const BUCKET_COOKIE = 'sessionboard_bucket';

/** Buckets are 0..99: a browser is in a rollout of `percent` while its bucket < percent. */
export const BUCKET_COUNT = 100;

/** How long the bucket cookie lasts: a year, renewed whenever the server has to issue one. */
export const BUCKET_COOKIE_MAX_AGE_S = 365 * 24 * 60 * 60;

/** A request's bucket, and whether it came without one (so the response must set the cookie). */
export interface Bucket {
  /** 0..99. */
  value: number;
  /** Drawn for this request: the request carried no valid `sessionboard_bucket` cookie. */
  fresh: boolean;
}

/** Whether a request's stream may open under the rollout. */
export type RolloutGroup = 'in' | 'out';

const BUCKET_VALUE = /^(?:0|[1-9]\d?)$/;

/** The bucket in a `Cookie` header, or undefined when it has none or a malformed one. */
export function parseBucketCookie(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== BUCKET_COOKIE) continue;
    const value = pair.slice(eq + 1).trim();
    return BUCKET_VALUE.test(value) ? Number(value) : undefined;
  }
  return undefined;
}

/**
 * The `Set-Cookie` value for a bucket: long-lived, `HttpOnly` (no script needs it),
 * `SameSite=Lax` (sent on a top-level visit, so the dashboard's first request carries it),
 * `Path=/` (the stream is under `/api`), `Secure` when the request came over HTTPS.
 */
export function bucketCookie(bucket: number, options: { secure: boolean }): string {
  const parts = [`${BUCKET_COOKIE}=${bucket}`, 'Path=/', `Max-Age=${BUCKET_COOKIE_MAX_AGE_S}`, 'HttpOnly', 'SameSite=Lax'];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/**
 * In or out of a rollout of `percent` (0..100). A bucket in at some percent stays in at every
 * higher one, so growing the rollout never moves a browser back to polling.
 */
export function rolloutGroup(bucket: number, percent: number): RolloutGroup {
  return bucket < percent ? 'in' : 'out';
}

const drawn = new WeakMap<IncomingMessage, Bucket>();

/**
 * The request's bucket: from its cookie, else drawn at random, once per request. The same
 * request always gets the same answer, wherever it is asked (the stream fast path, then
 * Express, then the cookie on the response), so a fresh bucket is decided by and set once.
 * @param draw picks a bucket 0..99 @default crypto.randomInt(100)
 */
export function bucketOf(req: IncomingMessage, draw: () => number = () => randomInt(BUCKET_COUNT)): Bucket {
  let bucket = drawn.get(req);
  if (bucket === undefined) {
    const fromCookie = parseBucketCookie(req.headers.cookie);
    bucket = fromCookie === undefined ? { value: draw(), fresh: true } : { value: fromCookie, fresh: false };
    drawn.set(req, bucket);
  }
  return bucket;
}

/** Forgets the bucket drawn for a request: for a stream that has opened, which lives for hours. */
export function forgetBucket(req: IncomingMessage): void {
  drawn.delete(req);
}

/**
 * True when the request came over TLS: to this server, or, for an Express request, to a
 * proxy that `TRUST_PROXY` trusts to say so (`X-Forwarded-Proto: https`).
 */
export function isSecureRequest(req: IncomingMessage): boolean {
  return (req as { secure?: unknown }).secure === true || (req.socket as { encrypted?: boolean }).encrypted === true;
}
