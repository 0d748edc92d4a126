import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, errorOf, openStream, send, startServer, type TestServer } from './helpers.ts';

const plainServers: Server[] = [];
afterEach(async () => {
  for (const plain of plainServers.splice(0)) {
    plain.closeAllConnections();
    plain.close();
  }
  await closeAll();
});

const STREAM = '/api/sse/sessions';

/** The bucket a `Set-Cookie` header gives, if it sets `sessionboard_bucket`. */
function bucketSet(setCookie: string[] | undefined): number | undefined {
  const cookie = setCookie?.find((value) => value.startsWith('sessionboard_bucket='));
  return cookie === undefined ? undefined : Number(/^sessionboard_bucket=(\d+);/.exec(cookie)?.[1]);
}

/** The same app served by Express alone, without the stream fast path in front. */
async function expressOnly(server: TestServer): Promise<string> {
  const plain = createServer(server.app);
  plainServers.push(plain);
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
}

async function metricsOf(server: TestServer): Promise<string> {
  return (await send(`${server.url}/metrics`)).text;
}

describe('the bucket cookie', () => {
  it('is set on the first response to a browser (the dashboard page) and not again once it is sent back', async () => {
    const server = await startServer({ SSE_ROLLOUT_PERCENT: '50' });

    const page = await send(`${server.url}/`);
    const cookie = page.headers['set-cookie']?.find((value) => value.startsWith('sessionboard_bucket='));
    expect(cookie).toMatch(/^sessionboard_bucket=\d{1,2}; Path=\/; Max-Age=31536000; HttpOnly; SameSite=Lax$/);
    const bucket = bucketSet(page.headers['set-cookie']);
    expect(bucket).toBeGreaterThanOrEqual(0);
    expect(bucket).toBeLessThan(100);

    const again = await send(`${server.url}/api/sessions`, { headers: { Cookie: `sessionboard_bucket=${bucket}` } });
    expect(again.status).toBe(200);
    expect(bucketSet(again.headers['set-cookie'])).toBeUndefined();
  });

  it('is set on API answers too, errors included', async () => {
    const server = await startServer();
    const missing = await send(`${server.url}/api/nothing-here`);
    expect(missing.status).toBe(404);
    expect(bucketSet(missing.headers['set-cookie'])).toBeTypeOf('number');
  });
});

describe.each([
  ['with the stream fast path', (server: TestServer) => Promise.resolve(server.url)],
  ['through Express alone', expressOnly],
])('stream admission %s', (_name, baseOf) => {
  it('refuses a bucket at or above the percentage with 503 sse_disabled and Retry-After, like SSE_ENABLED=false', async () => {
    const server = await startServer({ SSE_ROLLOUT_PERCENT: '10' });
    const base = await baseOf(server);

    const refused = await send(`${base}${STREAM}`, { headers: { Cookie: 'sessionboard_bucket=10' } });

    expect(refused.status).toBe(503);
    expect(errorOf(refused).code).toBe('sse_disabled');
    expect(errorOf(refused).message).toMatch(/10 %.*poll GET \/api\/sessions/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(bucketSet(refused.headers['set-cookie'])).toBeUndefined();
  });

  it('opens the stream for a bucket below the percentage', async () => {
    const server = await startServer({ SSE_ROLLOUT_PERCENT: '10' });
    const base = await baseOf(server);

    const stream = await openStream(`${base}${STREAM}`, { Cookie: 'sessionboard_bucket=9' });
    await stream.next((frame) => frame.event === 'snapshot');

    expect(stream.status).toBe(200);
    expect(stream.headers['set-cookie']).toBeUndefined();
    stream.close();
  });

  it('decides a request without a bucket by a fresh one, and sets exactly that one', async () => {
    const server = await startServer({ SSE_ROLLOUT_PERCENT: '50' });
    const base = await baseOf(server);
    const seen = { in: 0, out: 0 };

    for (let i = 0; i < 40; i++) {
      const stream = await openStream(`${base}${STREAM}`);
      const bucket = bucketSet(stream.headers['set-cookie'] as string[] | undefined);
      expect(bucket, `attempt ${i}`).toBeTypeOf('number');
      if (stream.status === 200) {
        expect(bucket).toBeLessThan(50);
        seen.in += 1;
      } else {
        await stream.ended;
        expect(stream.status).toBe(503);
        expect(bucket).toBeGreaterThanOrEqual(50);
        seen.out += 1;
      }
      stream.close();
    }
    // 40 fair coin flips all landing on one side: about 1 in 10^12.
    expect(seen.in).toBeGreaterThan(0);
    expect(seen.out).toBeGreaterThan(0);
  });

  it('keeps the same browser in as the percentage only grows', async () => {
    for (const percent of ['10', '50', '100']) {
      const server = await startServer({ SSE_ROLLOUT_PERCENT: percent });
      const base = await baseOf(server);
      const stream = await openStream(`${base}${STREAM}`, { Cookie: 'sessionboard_bucket=5' });
      expect(stream.status, `at ${percent} %`).toBe(200);
      stream.close();
      const outsider = await openStream(`${base}${STREAM}`, { Cookie: 'sessionboard_bucket=60' });
      expect(outsider.status, `bucket 60 at ${percent} %`).toBe(percent === '100' ? 200 : 503);
      outsider.close();
    }
  });
});

describe('SSE_ENABLED=false', () => {
  it('refuses every stream, whatever the bucket', async () => {
    const server = await startServer({ SSE_ENABLED: 'false', SSE_ROLLOUT_PERCENT: '100' });
    const refused = await send(`${server.url}${STREAM}`, { headers: { Cookie: 'sessionboard_bucket=0' } });
    expect(refused.status).toBe(503);
    expect(errorOf(refused).code).toBe('sse_disabled');
  });
});

describe('rollout metrics', () => {
  it('exposes the percentage and counts streams and polls by rollout group', async () => {
    const server = await startServer({ SSE_ROLLOUT_PERCENT: '30' });
    const inside = await openStream(`${server.url}${STREAM}`, { Cookie: 'sessionboard_bucket=3' });
    await inside.next((frame) => frame.event === 'snapshot');
    inside.close();
    await send(`${server.url}${STREAM}`, { headers: { Cookie: 'sessionboard_bucket=30' } });
    await send(`${server.url}${STREAM}`, { headers: { Cookie: 'sessionboard_bucket=31' } });
    for (let i = 0; i < 3; i++) await send(`${server.url}/api/sessions`, { headers: { Cookie: 'sessionboard_bucket=31' } });
    await send(`${server.url}/api/sessions`, { headers: { Cookie: 'sessionboard_bucket=1' } });

    const text = await metricsOf(server);

    expect(text).toContain('sse_rollout_percent 30\n');
    expect(text).toContain('sse_rollout_streams_total{rollout="in"} 1\n');
    expect(text).toContain('sse_rollout_streams_total{rollout="out"} 2\n');
    expect(text).toContain('sse_rollout_polls_total{rollout="out"} 3\n');
    expect(text).toContain('sse_rollout_polls_total{rollout="in"} 1\n');
    expect(text).toContain('sse_connections_rejected_total{reason="rollout"} 2\n');
  });
});

describe('GET /api/health', () => {
  it('says ok with the instance name and the stream state', async () => {
    const server = await startServer({ SSE_ROLLOUT_PERCENT: '25', INSTANCE_NAME: 'alpha' });
    const reply = await send(`${server.url}/api/health`);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({ status: 'ok', instance: 'alpha', sse: { enabled: true, rolloutPercent: 25 } });
  });
});
