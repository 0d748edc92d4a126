import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, errorOf, openStream, send, startServer, type TestServer } from './helpers.ts';

afterEach(closeAll);

const TOKEN = 'test-token-0123456789abcdef';
const FRIEND = 'https://board.example';
const STRANGER = 'https://evil.example';

const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-expose-headers',
  'access-control-max-age',
];

function corsHeadersOf(reply: { headers: Record<string, unknown> }): Record<string, unknown> {
  return Object.fromEntries(CORS_HEADERS.filter((name) => reply.headers[name] !== undefined).map((name) => [name, reply.headers[name]]));
}

function preflight(server: TestServer, origin: string, method = 'POST') {
  return send(`${server.url}/api/sessions`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': 'authorization,content-type' },
  });
}

function postSession(server: TestServer, headers: Record<string, string>) {
  return send(`${server.url}/api/sessions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ command: ['sleep', '30'] }),
  });
}

describe('CORS', () => {
  it('sends no CORS header to any origin when CORS_ORIGINS is unset', async () => {
    const server = await startServer();

    const reply = await send(`${server.url}/api/sessions`, { headers: { Origin: STRANGER } });

    expect(reply.status).toBe(200);
    expect(corsHeadersOf(reply)).toEqual({});
    expect(reply.headers.vary).toBeUndefined();
  });

  it('echoes a named origin with credentials and Vary: Origin', async () => {
    const server = await startServer({ CORS_ORIGINS: `${FRIEND}, http://localhost:5173` });

    const reply = await send(`${server.url}/api/sessions`, { headers: { Origin: FRIEND } });

    expect(reply.status).toBe(200);
    expect(corsHeadersOf(reply)).toEqual({
      'access-control-allow-origin': FRIEND,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'Location, Retry-After, RateLimit, RateLimit-Policy',
    });
    expect(reply.headers.vary).toBe('Origin');
  });

  it.each([
    ['another origin', STRANGER],
    ['the named origin on another port', `${FRIEND}:8443`],
    ['the named origin over http', 'http://board.example'],
    ['a subdomain of it', 'https://x.board.example'],
    ['the null origin', 'null'],
  ])('sends no CORS header to %s, with Vary: Origin', async (_case, origin) => {
    const server = await startServer({ CORS_ORIGINS: FRIEND });

    const reply = await send(`${server.url}/api/sessions`, { headers: { Origin: origin } });

    expect(reply.status).toBe(200);
    expect(corsHeadersOf(reply)).toEqual({});
    expect(reply.headers.vary).toBe('Origin');
  });

  it('answers the preflight of a named origin with 204, methods and headers, before auth', async () => {
    const server = await startServer({ CORS_ORIGINS: FRIEND, AUTH_TOKEN: TOKEN });

    const reply = await preflight(server, FRIEND);

    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');
    expect(corsHeadersOf(reply)).toEqual({
      'access-control-allow-origin': FRIEND,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, POST, DELETE',
      'access-control-allow-headers': 'Authorization, Content-Type, Last-Event-ID',
      'access-control-max-age': '600',
    });
    expect(reply.headers.vary).toBe('Origin');
  });

  it('answers the preflight of any other origin with 403 and no CORS header', async () => {
    const server = await startServer({ CORS_ORIGINS: FRIEND });

    const reply = await preflight(server, STRANGER);

    expect(reply.status).toBe(403);
    expect(corsHeadersOf(reply)).toEqual({});
    expect(errorOf(reply)).toEqual({ code: 'forbidden', message: `The origin ${STRANGER} is not in CORS_ORIGINS.` });
  });

  it('lets a named origin open the stream with credentials', async () => {
    const server = await startServer({ CORS_ORIGINS: FRIEND, AUTH_TOKEN: TOKEN });

    const stream = await openStream(`${server.url}/api/sse/sessions`, { Origin: FRIEND, Authorization: `Bearer ${TOKEN}` });
    await stream.next((frame) => frame.event === 'snapshot');

    expect(stream.status).toBe(200);
    expect(stream.headers['access-control-allow-origin']).toBe(FRIEND);
    expect(stream.headers['access-control-allow-credentials']).toBe('true');
  });

  it('puts CORS headers on a named origin\'s error answers too, so it can read them', async () => {
    const server = await startServer({ CORS_ORIGINS: FRIEND, AUTH_TOKEN: TOKEN });

    const reply = await send(`${server.url}/api/sessions`, { headers: { Origin: FRIEND } });

    expect(reply.status).toBe(401);
    expect(reply.headers['access-control-allow-origin']).toBe(FRIEND);
  });
});

describe('cross-origin writes', () => {
  it.each([
    ['POST', '/api/sessions'],
    ['DELETE', '/api/sessions/any-id'],
    ['POST', '/api/auth/login'],
    ['POST', '/api/auth/logout'],
  ])('answers 403 forbidden to %s %s from a foreign Origin, and starts nothing', async (method, path) => {
    const server = await startServer({ CORS_ORIGINS: FRIEND });

    const reply = await send(`${server.url}${path}`, {
      method,
      headers: { Origin: STRANGER, 'Content-Type': 'application/json' },
      body: JSON.stringify({ command: ['sleep', '30'], token: TOKEN }),
    });

    expect(reply.status).toBe(403);
    expect(errorOf(reply)).toEqual({
      code: 'forbidden',
      message: `Cross-origin ${method} refused: ${STRANGER} is not this server's origin nor in CORS_ORIGINS.`,
    });
    expect(server.manager.list()).toEqual([]);
  });

  it('refuses a foreign Origin even with a valid sign-in cookie', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });
    const login = await send(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: TOKEN }),
    });
    const cookie = (login.headers['set-cookie']?.[0] ?? '').split(';')[0] as string;

    const reply = await postSession(server, { Origin: STRANGER, Cookie: cookie });

    expect(reply.status).toBe(403);
    expect(server.manager.list()).toEqual([]);
  });

  it('refuses Sec-Fetch-Site: cross-site and same-site without an Origin it knows', async () => {
    const server = await startServer();

    const crossSite = await postSession(server, { 'Sec-Fetch-Site': 'cross-site' });
    const sameSite = await postSession(server, { 'Sec-Fetch-Site': 'same-site', Origin: 'http://localhost:9999' });

    expect([crossSite.status, sameSite.status]).toEqual([403, 403]);
    expect(server.manager.list()).toEqual([]);
  });

  it.each([
    ['its own origin', (server: TestServer) => ({ Origin: server.url })],
    ['a named origin', () => ({ Origin: FRIEND, 'Sec-Fetch-Site': 'cross-site' })],
    ['Sec-Fetch-Site: same-origin', () => ({ 'Sec-Fetch-Site': 'same-origin' })],
    ['no Origin at all (curl)', () => ({})],
  ])('accepts a write from %s', async (_case, headers) => {
    const server = await startServer({ CORS_ORIGINS: FRIEND });

    const reply = await postSession(server, headers(server));

    expect(reply.status).toBe(201);
  });

  it('lets a foreign Origin read', async () => {
    const server = await startServer();

    const reply = await send(`${server.url}/api/sessions`, { headers: { Origin: STRANGER, 'Sec-Fetch-Site': 'cross-site' } });

    expect(reply.status).toBe(200);
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('Host check without AUTH_TOKEN', () => {
  it.each([
    ['a rebound name', 'evil.example:4021', 403],
    ['a rebound name without port', 'attacker.test', 403],
    ['a LAN address', '192.168.1.20:4021', 403],
    ['localhost', 'localhost:4021', 200],
    ['127.0.0.1', '127.0.0.1:4021', 200],
    ['[::1]', '[::1]:4021', 200],
  ])('answers a request with the Host of %s (%s) with %i', async (_case, host, status) => {
    const server = await startServer();

    const api = await send(`${server.url}/api/sessions`, { headers: { Host: host } });
    const page = await send(`${server.url}/`, { headers: { Host: host } });

    expect([api.status, page.status]).toEqual([status, status]);
    if (status === 403) {
      expect(errorOf(api)).toEqual({
        code: 'forbidden',
        message: `This server has no AUTH_TOKEN, so it answers only to localhost, 127.0.0.1 or [::1] (got Host: ${host}). Open it by one of those, or set AUTH_TOKEN.`,
      });
    }
  });

  it('leaves any Host to a server with AUTH_TOKEN, which needs the token anyway', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });

    const reply = await send(`${server.url}/api/sessions`, { headers: { Host: 'sessions.lan:4021', Authorization: `Bearer ${TOKEN}` } });

    expect(reply.status).toBe(200);
  });
});
