import { once } from 'node:events';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, openStream, send, startServer, type TestServer } from './helpers.ts';

// Every admission case of GET /api/sse/sessions, through the stream's fast path (the server's
// listener) and through Express alone (its app): both must answer alike.

const TOKEN = 'test-token-0123456789abcdef';
const ORIGIN = 'https://board.example';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  await closeAll();
});

/** The same app served by Express alone, without the stream fast path. */
async function expressOnly(server: TestServer): Promise<string> {
  const plain = createServer(server.app);
  plain.listen(0, '127.0.0.1');
  await once(plain, 'listening');
  servers.push({
    close: async () => {
      plain.closeAllConnections();
      await new Promise((resolve) => plain.close(resolve));
    },
  });
  return `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The error code of a refusal, the first frame's event of a stream, '' for no body. */
  body: string;
}

/** One request; a stream is read up to its first two frames, then closed. */
function exchange(url: string, method: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      let text = '';
      const done = () => {
        const { date: _date, ...rest } = res.headers;
        // A request without a bucket gets a random one: compare that the cookie is set, not its value.
        if (rest['set-cookie']) rest['set-cookie'] = rest['set-cookie'].map((cookie) => cookie.replace(/^sessionboard_bucket=\d+/, 'sessionboard_bucket=N'));
        const body = res.statusCode === 200 ? (/event: (\w+)/.exec(text)?.[1] ?? text) : text && (JSON.parse(text) as { error: { code: string } }).error.code;
        resolve({ status: res.statusCode ?? 0, headers: rest, body });
        req.destroy();
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (res.statusCode === 200 && text.split('\n\n').length > 2) done();
      });
      res.on('end', done);
    });
    req.on('error', reject);
    req.end();
  });
}

async function signIn(server: TestServer): Promise<string> {
  const reply = await send(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: TOKEN }),
  });
  return (reply.headers['set-cookie']?.[0] ?? '').split(';')[0] as string;
}

interface Case {
  env?: Record<string, string>;
  method?: string;
  /** Headers of the request; a function to make them once the server runs. */
  headers?: (server: TestServer) => Promise<Record<string, string>> | Record<string, string>;
  status: number;
  body: string;
  /** Headers the answer must have, beside being the same on both paths. */
  has?: Record<string, string | RegExp>;
}

const cases: [string, Case][] = [
  ['a stream on loopback', { status: 200, body: 'snapshot' }],
  [
    'a stream from a listed origin',
    { env: { CORS_ORIGINS: ORIGIN }, headers: () => ({ Origin: ORIGIN }), status: 200, body: 'snapshot', has: { 'access-control-allow-origin': ORIGIN, vary: 'Origin' } },
  ],
  ['a foreign Host without a token', { headers: () => ({ Host: 'evil.example' }), status: 403, body: 'forbidden' }],
  ['no credentials', { env: { AUTH_TOKEN: TOKEN }, status: 401, body: 'unauthorized', has: { 'www-authenticate': /^Bearer/ } }],
  ['a wrong bearer token', { env: { AUTH_TOKEN: TOKEN }, headers: () => ({ Authorization: 'Bearer wrong-0123456789abcdef' }), status: 401, body: 'unauthorized' }],
  ['the bearer token', { env: { AUTH_TOKEN: TOKEN }, headers: () => ({ Authorization: `Bearer ${TOKEN}` }), status: 200, body: 'snapshot' }],
  [
    'the bearer token from an address locked out by wrong sign-ins',
    {
      env: { AUTH_TOKEN: TOKEN },
      headers: async (server) => {
        for (let i = 0; i < 10; i++) {
          await send(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: `{"token":"wrong-${i}-0123456789"}` });
        }
        return { Authorization: `Bearer ${TOKEN}` };
      },
      status: 429,
      body: 'rate_limited',
      has: { 'retry-after': /^(59|60)$/ },
    },
  ],
  ['a sign-in cookie', { env: { AUTH_TOKEN: TOKEN }, headers: async (server) => ({ Cookie: await signIn(server) }), status: 200, body: 'snapshot' }],
  [
    'a revoked sign-in cookie',
    {
      env: { AUTH_TOKEN: TOKEN },
      headers: async (server) => {
        const cookie = await signIn(server);
        await send(`${server.url}/api/auth/logout`, { method: 'POST', headers: { Cookie: cookie } });
        return { Cookie: cookie };
      },
      status: 401,
      body: 'unauthorized',
    },
  ],
  ['the stream turned off', { env: { SSE_ENABLED: 'false' }, status: 503, body: 'sse_disabled', has: { 'retry-after': '60' } }],
  [
    'a browser inside the rollout',
    { env: { SSE_ROLLOUT_PERCENT: '50' }, headers: () => ({ Cookie: 'sessionboard_bucket=49' }), status: 200, body: 'snapshot' },
  ],
  [
    'a browser outside the rollout',
    { env: { SSE_ROLLOUT_PERCENT: '50' }, headers: () => ({ Cookie: 'sessionboard_bucket=50' }), status: 503, body: 'sse_disabled', has: { 'retry-after': '60' } },
  ],
  [
    'a first request with no bucket, the rollout at 0 %',
    { env: { SSE_ROLLOUT_PERCENT: '0' }, status: 503, body: 'sse_disabled', has: { 'set-cookie': /^sessionboard_bucket=N; / } },
  ],
  ['HEAD', { method: 'HEAD', status: 200, body: '', has: { 'content-type': 'text/event-stream; charset=utf-8' } }],
  ['HEAD with the stream turned off', { env: { SSE_ENABLED: 'false' }, method: 'HEAD', status: 503, body: '' }],
];

describe('stream admission, on the fast path and through Express alike', () => {
  it.each(cases)('answers %s the same way', async (_name, c) => {
    const server = await startServer(c.env);
    const express = await expressOnly(server);
    const headers = (await c.headers?.(server)) ?? {};

    const fast = await exchange(`${server.url}/api/sse/sessions`, c.method ?? 'GET', headers);
    const slow = await exchange(`${express}/api/sse/sessions`, c.method ?? 'GET', headers);

    expect({ status: fast.status, body: fast.body }).toEqual({ status: c.status, body: c.body });
    expect(slow).toEqual(fast);
    for (const [name, value] of Object.entries(c.has ?? {})) expect(String(fast.headers[name])).toMatch(value);
  });

  it('answers a stream over the cap the same way, and counts it', async () => {
    const server = await startServer({ SSE_MAX_CONNECTIONS: '1' });
    const express = await expressOnly(server);
    const held = await openStream(`${server.url}/api/sse/sessions`);

    const fast = await exchange(`${server.url}/api/sse/sessions`, 'GET', {});
    const slow = await exchange(`${express}/api/sse/sessions`, 'GET', {});
    const metrics = await send(`${server.url}/metrics`);

    expect({ status: fast.status, body: fast.body, retryAfter: fast.headers['retry-after'] }).toEqual({
      status: 503,
      body: 'too_many_connections',
      retryAfter: '5',
    });
    expect(slow).toEqual(fast);
    expect(metrics.text).toContain('sse_connections_rejected_total{reason="full"} 2');
    held.close();
  });

  it('opens no stream for HEAD: nothing is counted and the answer ends', async () => {
    const server = await startServer();
    const express = await expressOnly(server);

    const answers = [await send(`${server.url}/api/sse/sessions`, { method: 'HEAD' }), await send(`${express}/api/sse/sessions`, { method: 'HEAD' })];

    expect(answers.map((answer) => [answer.status, answer.text])).toEqual([
      [200, ''],
      [200, ''],
    ]);
    expect(server.broker.connectionCount).toBe(0);
  });
});
