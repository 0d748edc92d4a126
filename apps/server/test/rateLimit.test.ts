import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, errorOf, openStream, send, startServer } from './helpers.ts';

afterEach(closeAll);

describe('rate limit', () => {
  it('answers 429 rate_limited with RateLimit headers and Retry-After past RATE_LIMIT_PER_MINUTE', async () => {
    const server = await startServer({ RATE_LIMIT_PER_MINUTE: '3' });

    const allowed = [];
    for (let i = 0; i < 3; i++) allowed.push(await send(`${server.url}/api/sessions`));
    const limited = await send(`${server.url}/api/sessions`);

    expect(allowed.map((reply) => reply.status)).toEqual([200, 200, 200]);
    expect(allowed.map((reply) => reply.headers.ratelimit)).toEqual([
      expect.stringMatching(/^"3-in-1min"; r=2; t=\d+$/),
      expect.stringMatching(/; r=1; /),
      expect.stringMatching(/; r=0; /),
    ]);
    expect(allowed[0]?.headers['ratelimit-policy']).toMatch(/^"3-in-1min"; q=3; w=60; /);
    expect(limited.status).toBe(429);
    expect(errorOf(limited).code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.headers.ratelimit).toMatch(/; r=0; t=\d+$/);
    expect(limited.headers['x-ratelimit-limit']).toBeUndefined();
  });

  it('counts every /api route but leaves the stream, health and metrics alone', async () => {
    const server = await startServer({ RATE_LIMIT_PER_MINUTE: '1' });
    await send(`${server.url}/api/fs/dirs`);
    const limited = await send(`${server.url}/api/nothing-here`);

    const health = await send(`${server.url}/api/health`);
    const stream = await openStream(`${server.url}/api/sse/sessions`);
    const metrics = await send(`${server.url}/metrics`);

    expect(limited.status).toBe(429);
    expect(health.status).toBe(200);
    expect(health.headers.ratelimit).toBeUndefined();
    expect(stream.status).toBe(200);
    expect(stream.headers.ratelimit).toBeUndefined();
    expect(metrics.status).toBe(200);
  });
});
