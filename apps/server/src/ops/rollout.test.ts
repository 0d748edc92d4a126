import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BUCKET_COOKIE_MAX_AGE_S, bucketCookie, bucketOf, isSecureRequest, parseBucketCookie, rolloutGroup } from './rollout.ts';

function request(cookie?: string): IncomingMessage {
  return { headers: cookie === undefined ? {} : { cookie }, socket: {} } as IncomingMessage;
}

describe('the bucket cookie', () => {
  it('reads a bucket from 0 to 99 among other cookies', () => {
    expect(parseBucketCookie('a=1; sessionboard_bucket=0')).toBe(0);
    expect(parseBucketCookie('sessionboard_bucket=42; sessionboard_auth=x')).toBe(42);
    expect(parseBucketCookie('sessionboard_bucket=99')).toBe(99);
  });

  it('ignores a missing, malformed or out-of-range bucket', () => {
    for (const header of [undefined, '', 'other=5', 'sessionboard_bucket=', 'sessionboard_bucket=100', 'sessionboard_bucket=-1', 'sessionboard_bucket=07', 'sessionboard_bucket=4x', 'sessionboard_bucket=1e1']) {
      expect(parseBucketCookie(header), String(header)).toBeUndefined();
    }
  });

  it('is long-lived, HttpOnly, SameSite=Lax, for the whole site, and Secure over TLS', () => {
    expect(bucketCookie(7, { secure: false })).toBe(`sessionboard_bucket=7; Path=/; Max-Age=${BUCKET_COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Lax`);
    expect(bucketCookie(7, { secure: true })).toMatch(/; Secure$/);
    expect(BUCKET_COOKIE_MAX_AGE_S).toBeGreaterThanOrEqual(180 * 24 * 3600);
  });
});

describe('rollout groups', () => {
  it('puts a bucket in while it is below the percentage', () => {
    expect(rolloutGroup(0, 0)).toBe('out');
    expect(rolloutGroup(0, 1)).toBe('in');
    expect(rolloutGroup(9, 10)).toBe('in');
    expect(rolloutGroup(10, 10)).toBe('out');
    expect(rolloutGroup(99, 100)).toBe('in');
  });

  it('keeps every bucket that is in at some percentage in at every higher one', () => {
    for (let bucket = 0; bucket < 100; bucket++) {
      let wasIn = false;
      for (let percent = 0; percent <= 100; percent++) {
        const isIn = rolloutGroup(bucket, percent) === 'in';
        if (wasIn) expect(isIn, `bucket ${bucket} at ${percent} %`).toBe(true);
        wasIn = isIn;
      }
      expect(wasIn).toBe(true);
    }
  });

  it('lets exactly percent of the 100 buckets in', () => {
    for (const percent of [0, 10, 50, 100]) {
      const inCount = Array.from({ length: 100 }, (_, bucket) => rolloutGroup(bucket, percent)).filter((group) => group === 'in').length;
      expect(inCount).toBe(percent);
    }
  });
});

describe('a request\'s bucket', () => {
  it('comes from its cookie when it has one', () => {
    expect(bucketOf(request('sessionboard_bucket=31'), () => 5)).toEqual({ value: 31, fresh: false });
  });

  it('is drawn once for a request without one and stays the same however often it is asked', () => {
    let draws = 0;
    const req = request();
    const draw = () => 60 + draws++;
    expect(bucketOf(req, draw)).toEqual({ value: 60, fresh: true });
    expect(bucketOf(req, draw)).toEqual({ value: 60, fresh: true });
    expect(draws).toBe(1);
    expect(bucketOf(request(), draw).value).toBe(61);
  });
});

describe('secure requests', () => {
  it('are those over TLS, or that Express (trusting the proxy) calls secure', () => {
    expect(isSecureRequest({ socket: { encrypted: true } } as unknown as IncomingMessage)).toBe(true);
    expect(isSecureRequest({ secure: true, socket: {} } as unknown as IncomingMessage)).toBe(true);
    expect(isSecureRequest({ secure: false, socket: {} } as unknown as IncomingMessage)).toBe(false);
    expect(isSecureRequest(request())).toBe(false);
  });
});
