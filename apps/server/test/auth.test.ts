import { createSessionsApi, createSessionsClient } from '@sessionboard/client';
import type { AuthStatusResponse, Session } from '@sessionboard/protocol';
import { EventSource, type FetchLike } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuth } from '../src/auth/Auth.ts';
import { AuthSessions } from '../src/auth/AuthSessions.ts';
import { closeAll, errorOf, openStream, send, startServer, waitFor, type Reply, type TestServer } from './helpers.ts';

afterEach(closeAll);

const TOKEN = 'test-token-0123456789abcdef';
const JSON_TYPE = 'application/json; charset=utf-8';
const COOKIE = /^sessionboard_auth=([A-Za-z0-9_-]{43}); Path=\/; Max-Age=604800; HttpOnly; SameSite=Strict$/;

const bearer = (token = TOKEN) => ({ Authorization: `Bearer ${token}` });

function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return send(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** The sign-in cookies a reply sets (the rollout's bucket cookie aside). */
function authCookiesSet(reply: Reply): string[] {
  return (reply.headers['set-cookie'] ?? []).filter((cookie) => cookie.startsWith('sessionboard_auth='));
}

/** Signs in and returns the `Cookie` header value a browser would send back. */
async function signIn(server: TestServer): Promise<string> {
  const reply = await postJson(`${server.url}/api/auth/login`, { token: TOKEN });
  expect(reply.status).toBe(204);
  const match = COOKIE.exec(reply.headers['set-cookie']?.[0] ?? '');
  expect(match).not.toBeNull();
  return `sessionboard_auth=${match![1]}`;
}

/** The real `eventsource` client, sending `cookie` the way a browser's EventSource would. */
function streamWithCookie(url: string, cookie: string | null) {
  const events: string[] = [];
  const errors: (number | undefined)[] = [];
  const source = new EventSource(url, {
    fetch: (input, init) => fetch(input, { ...init, headers: cookie === null ? init.headers : { ...init.headers, Cookie: cookie } }),
  });
  source.addEventListener('snapshot', () => events.push('snapshot'));
  source.addEventListener('session_created', () => events.push('session_created'));
  source.addEventListener('error', (event) => errors.push(event.code));
  return { source, events, errors };
}

/** Every route behind auth, and its answer once authorised. */
function protectedRoutes(session: Session): [string, string, string, unknown, number][] {
  return [
    ['GET /api/sessions', 'GET', '/api/sessions', undefined, 200],
    ['GET /api/sessions/:id', 'GET', `/api/sessions/${session.id}`, undefined, 200],
    ['POST /api/sessions', 'POST', '/api/sessions', { command: ['sleep', '30'] }, 201],
    ['DELETE /api/sessions/:id', 'DELETE', `/api/sessions/${session.id}`, undefined, 202],
    ['GET /api/fs/dirs', 'GET', '/api/fs/dirs', undefined, 200],
    ['GET /metrics', 'GET', '/metrics', undefined, 200],
    ['GET /api/no-such-route', 'GET', '/api/no-such-route', undefined, 404],
  ];
}

async function serverWithSession() {
  const server = await startServer({ AUTH_TOKEN: TOKEN });
  const created = await postJson(`${server.url}/api/sessions`, { command: ['sleep', '30'] }, bearer());
  expect(created.status).toBe(201);
  return { server, session: JSON.parse(created.text) as Session };
}

function call(server: TestServer, method: string, path: string, body: unknown, headers: Record<string, string>) {
  return body === undefined
    ? send(`${server.url}${path}`, { method, headers })
    : postJson(`${server.url}${path}`, body, headers);
}

describe('without credentials', () => {
  it('answers 401 unauthorized with WWW-Authenticate: Bearer on every protected route', async () => {
    const { server, session } = await serverWithSession();

    for (const [name, method, path, body] of protectedRoutes(session)) {
      const reply = await call(server, method, path, body, {});
      expect({ name, status: reply.status, type: reply.headers['content-type'] }).toEqual({ name, status: 401, type: JSON_TYPE });
      expect(reply.headers['www-authenticate']).toBe('Bearer realm="sessionboard"');
      expect(errorOf(reply)).toEqual({
        code: 'unauthorized',
        message: 'Sign in first: send "Authorization: Bearer <AUTH_TOKEN>", or sign in with POST /api/auth/login.',
      });
    }
    expect(server.manager.list()).toHaveLength(1);
    expect(server.manager.list()[0]?.status).toBe('running');
  });

  it('refuses the stream with 401 before it starts', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });

    const stream = await openStream(`${server.url}/api/sse/sessions`);
    await stream.ended;

    expect(stream.status).toBe(401);
    expect(stream.headers['content-type']).toBe(JSON_TYPE);
    expect(stream.headers['www-authenticate']).toBe('Bearer realm="sessionboard"');
    expect(JSON.parse(stream.text()).error.code).toBe('unauthorized');
    expect(server.broker.connectionCount).toBe(0);
  });

  it('leaves health and the auth routes open', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });

    const health = await send(`${server.url}/api/health`);
    const status = await send(`${server.url}/api/auth/status`);
    const logout = await send(`${server.url}/api/auth/logout`, { method: 'POST' });

    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toMatchObject({ status: 'ok' });
    expect(status.status).toBe(200);
    expect(JSON.parse(status.text)).toEqual({ authRequired: true, authenticated: false });
    expect(logout.status).toBe(204);
  });

  it('serves the dashboard page, so it can ask for a token', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });

    const page = await send(`${server.url}/`);

    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  });
});

describe('a wrong token', () => {
  it.each([
    ['another token', `Bearer ${TOKEN.slice(0, -1)}x`],
    ['the token with a suffix', `Bearer ${TOKEN}x`],
    ['the token in another scheme', `Basic ${TOKEN}`],
    ['an empty bearer', 'Bearer '],
  ])('answers 401 to %s on every protected route', async (_case, authorization) => {
    const { server, session } = await serverWithSession();

    for (const [name, method, path, body] of protectedRoutes(session)) {
      const reply = await call(server, method, path, body, { Authorization: authorization });
      expect({ name, status: reply.status }).toEqual({ name, status: 401 });
      expect(errorOf(reply)).toEqual({ code: 'unauthorized', message: "The bearer token is not this server's AUTH_TOKEN." });
    }
    const stream = await openStream(`${server.url}/api/sse/sessions`, { Authorization: authorization });
    expect(stream.status).toBe(401);
  });

  it('lets a wrong bearer decide even beside a valid cookie', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });
    const cookie = await signIn(server);

    const reply = await send(`${server.url}/api/sessions`, { headers: { Cookie: cookie, ...bearer('wrong-token-0123456789') } });

    expect(reply.status).toBe(401);
  });

  it('answers 401 to a cookie that is not a sign-in', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });

    const forged = await send(`${server.url}/api/sessions`, { headers: { Cookie: `sessionboard_auth=${'A'.repeat(43)}` } });
    const raw = await send(`${server.url}/api/sessions`, { headers: { Cookie: `sessionboard_auth=${TOKEN}` } });

    expect([forged.status, raw.status]).toEqual([401, 401]);
    expect(errorOf(forged).message).toBe('Your sign-in has ended (signed out, expired, or the server restarted); sign in again.');
  });
});

describe('with the bearer token', () => {
  it('answers every protected route as usual', async () => {
    const { server, session } = await serverWithSession();

    for (const [name, method, path, body, status] of protectedRoutes(session)) {
      const reply = await call(server, method, path, body, bearer());
      expect({ name, status: reply.status }).toEqual({ name, status });
    }
  });

  it('opens the stream with a snapshot', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });

    const stream = await openStream(`${server.url}/api/sse/sessions`, bearer());
    const snapshot = await stream.next((frame) => frame.event === 'snapshot');

    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(JSON.parse(snapshot.data ?? '')).toMatchObject({ type: 'snapshot', sessions: [] });
  });

  it('reports authenticated on the status route', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });

    const status = await send(`${server.url}/api/auth/status`, { headers: bearer() });

    expect(JSON.parse(status.text)).toEqual({ authRequired: true, authenticated: true });
  });
});

describe('sign-in', () => {
  it('sets an HttpOnly, SameSite=Strict cookie for Path=/ that is not the token', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });

    const reply = await postJson(`${server.url}/api/auth/login`, { token: TOKEN });

    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');
    expect(reply.headers['set-cookie']).toHaveLength(1);
    const cookie = reply.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(COOKIE);
    expect(cookie).not.toContain(TOKEN);
    expect(cookie).not.toContain('Secure');
    expect(reply.headers['cache-control']).toBe('no-store');
  });

  it('gives each sign-in its own cookie', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });

    const [first, second] = [await signIn(server), await signIn(server)];

    expect(first).not.toBe(second);
  });

  it('answers every protected route to the cookie', async () => {
    const { server, session } = await serverWithSession();
    const cookie = await signIn(server);

    for (const [name, method, path, body, status] of protectedRoutes(session)) {
      const reply = await call(server, method, path, body, { Cookie: cookie });
      expect({ name, status: reply.status }).toEqual({ name, status });
    }
    const status = await send(`${server.url}/api/auth/status`, { headers: { Cookie: `theme=dark; ${cookie}; other=1` } });
    expect(JSON.parse(status.text)).toEqual({ authRequired: true, authenticated: true });
  });

  it('lets the eventsource client stream with the cookie, and not without it', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });
    const cookie = await signIn(server);

    const signedIn = streamWithCookie(`${server.url}/api/sse/sessions`, cookie);
    const anonymous = streamWithCookie(`${server.url}/api/sse/sessions`, null);
    try {
      await waitFor(() => (signedIn.events.length > 0 && anonymous.errors.length > 0 ? true : undefined));
      await postJson(`${server.url}/api/sessions`, { command: ['sleep', '30'] }, { Cookie: cookie });
      await waitFor(() => (signedIn.events.length >= 2 ? true : undefined));

      expect(signedIn.events).toEqual(['snapshot', 'session_created']);
      expect(signedIn.source.readyState).toBe(EventSource.OPEN);
      expect(anonymous.errors).toEqual([401]);
      expect(anonymous.source.readyState).toBe(EventSource.CLOSED);
    } finally {
      signedIn.source.close();
      anonymous.source.close();
    }
  });

  it('answers 401 to a wrong token and sets no cookie', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });

    const reply = await postJson(`${server.url}/api/auth/login`, { token: 'not-the-token-at-all' });

    expect(reply.status).toBe(401);
    expect(authCookiesSet(reply)).toEqual([]);
    expect(errorOf(reply)).toEqual({ code: 'unauthorized', message: "That is not this server's AUTH_TOKEN." });
  });

  it.each([
    ['no token', {}],
    ['an empty token', { token: '' }],
    ['a token that is a number', { token: 7 }],
  ])('answers 400 invalid_body to %s', async (_case, body) => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });

    const reply = await postJson(`${server.url}/api/auth/login`, body);

    expect(reply.status).toBe(400);
    expect(errorOf(reply)).toEqual({
      code: 'invalid_body',
      message: 'Invalid sign-in request: token must be a non-empty string: the body is {"token": "<AUTH_TOKEN>"}.',
      details: [{ field: 'token', message: 'token must be a non-empty string: the body is {"token": "<AUTH_TOKEN>"}' }],
    });
  });

  it('answers 415 to a form post, so a plain HTML form cannot sign in', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });

    const reply = await send(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `token=${TOKEN}`,
    });

    expect(reply.status).toBe(415);
    expect(authCookiesSet(reply)).toEqual([]);
  });
});

describe('sign-in attempts', () => {
  it('answers 429 rate_limited with Retry-After past 10 attempts a minute, even with the right token', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });

    const wrong = [];
    for (let i = 0; i < 10; i++) wrong.push(await postJson(`${server.url}/api/auth/login`, { token: `wrong-${i}-0123456789` }));
    const limited = await postJson(`${server.url}/api/auth/login`, { token: TOKEN });

    expect(wrong.map((reply) => reply.status)).toEqual(Array(10).fill(401));
    expect(limited.status).toBe(429);
    expect(errorOf(limited).code).toBe('rate_limited');
    expect(authCookiesSet(limited)).toEqual([]);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(59);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.headers['ratelimit-policy']).toBe('"sign-in"; q=10; w=60');
    expect(limited.headers.ratelimit).toBe(`"sign-in"; r=0; t=${limited.headers['retry-after']}`);
  });

  it('counts wrong bearer tokens, on the stream too, and then refuses bearer requests with 429', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });

    const statuses = [];
    for (let i = 0; i < 10; i++) {
      const stream = await openStream(`${server.url}/api/sse/sessions`, bearer(`guess-${i}-0123456789`));
      statuses.push(stream.status);
    }
    const rightToken = await send(`${server.url}/api/sessions`, { headers: bearer() });
    const login = await postJson(`${server.url}/api/auth/login`, { token: TOKEN });

    expect(statuses).toEqual(Array(10).fill(401));
    expect(rightToken.status).toBe(429);
    expect(errorOf(rightToken).code).toBe('rate_limited');
    expect(rightToken.headers['retry-after']).toMatch(/^(59|60)$/);
    expect(login.status).toBe(429);
  });

  it('does not count requests that carry no token', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });

    for (let i = 0; i < 12; i++) expect((await send(`${server.url}/api/sessions`)).status).toBe(401);
    const login = await postJson(`${server.url}/api/auth/login`, { token: TOKEN });

    expect(login.status).toBe(204);
  });
});

describe('sign-out', () => {
  it('clears the cookie and revokes it', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });
    const cookie = await signIn(server);
    const other = await signIn(server);

    const logout = await send(`${server.url}/api/auth/logout`, { method: 'POST', headers: { Cookie: cookie } });
    const replayed = await send(`${server.url}/api/sessions`, { headers: { Cookie: cookie } });
    const otherStill = await send(`${server.url}/api/sessions`, { headers: { Cookie: other } });

    expect(logout.status).toBe(204);
    expect(logout.headers['set-cookie']).toEqual(['sessionboard_auth=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict']);
    expect(replayed.status).toBe(401);
    expect(otherStill.status).toBe(200);
  });

  it('ends the streams the revoked cookie opened', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });
    const cookie = await signIn(server);
    const other = await signIn(server);
    const revoked = await openStream(`${server.url}/api/sse/sessions`, { Cookie: cookie });
    const kept = await openStream(`${server.url}/api/sse/sessions`, { Cookie: other });
    await revoked.next((frame) => frame.event === 'snapshot');

    await send(`${server.url}/api/auth/logout`, { method: 'POST', headers: { Cookie: cookie } });
    await revoked.ended;
    await waitFor(() => (server.broker.connectionCount === 1 ? true : undefined));

    expect(revoked.status).toBe(200);
    expect(kept.status).toBe(200);
    expect(server.broker.connectionCount).toBe(1);
  });
});

describe('sign-in expiry', () => {
  it('ends the streams a sign-in opened when it expires', async () => {
    const auth = createAuth(TOKEN, { sessions: new AuthSessions({ ttlMs: 500 }) });
    const server = await startServer({ AUTH_TOKEN: TOKEN }, { auth });
    const login = await postJson(`${server.url}/api/auth/login`, { token: TOKEN });
    const cookie = (login.headers['set-cookie']?.[0] ?? '').split(';')[0] as string;
    const stream = await openStream(`${server.url}/api/sse/sessions`, { Cookie: cookie });
    await stream.next((frame) => frame.event === 'snapshot');
    const opened = Date.now();

    await stream.ended;

    expect(stream.status).toBe(200);
    expect(Date.now() - opened).toBeLessThan(2000);
    await waitFor(() => (server.broker.connectionCount === 0 ? true : undefined));
  });
});

describe('without AUTH_TOKEN', () => {
  it('answers every route without credentials and reports no auth required', async () => {
    const server = await startServer();

    const sessions = await send(`${server.url}/api/sessions`);
    const metrics = await send(`${server.url}/metrics`);
    const status = await send(`${server.url}/api/auth/status`);
    const login = await postJson(`${server.url}/api/auth/login`, { token: TOKEN });

    expect(sessions.status).toBe(200);
    expect(metrics.status).toBe(200);
    expect(JSON.parse(status.text) as AuthStatusResponse).toEqual({ authRequired: false, authenticated: true });
    expect(login.status).toBe(404);
    expect(errorOf(login)).toEqual({ code: 'not_found', message: 'This server has no AUTH_TOKEN, so there is nothing to sign in to.' });
  });
});

describe('the dashboard client', () => {
  it('waits for a sign-in after a 401 without retrying, then goes live and follows changes', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN });
    // A browser's cookie jar (by name) and the requests it sends, for the client's fetch and EventSource alike.
    const jar = new Map<string, string>();
    const requests: string[] = [];
    const browserFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
      const headers = new Headers(init?.headers);
      if (jar.size > 0) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
      const response = await fetch(input, { ...init, headers });
      for (const set of response.headers.getSetCookie()) {
        const pair = set.split(';')[0] as string;
        jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
      }
      return response;
    };
    class BrowserEventSource extends EventSource {
      constructor(url: string) {
        super(url, { fetch: browserFetch as FetchLike });
      }
    }
    const client = createSessionsClient({ baseUrl: server.url, EventSource: BrowserEventSource, fetch: browserFetch, backoffBaseMs: 20 });
    const api = createSessionsApi({ baseUrl: server.url, fetch: browserFetch });

    try {
      client.start();
      const refused = await waitFor(() => (client.getState().authRequired ? client.getState() : undefined));
      // With a 20 ms backoff, a client that kept trying would have tried many times by now.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const whileWaiting = [...requests];

      await api.signIn(TOKEN);
      client.reconnect();
      await waitFor(() => (client.getState().status === 'live' ? true : undefined));
      const created = await api.createSession({ command: ['sleep', '30'] });
      await waitFor(() => (client.getState().sessions[created.id] ? true : undefined));

      expect(refused).toMatchObject({
        status: 'offline',
        authRequired: true,
        error: 'Sign in first: send "Authorization: Bearer <AUTH_TOKEN>", or sign in with POST /api/auth/login.',
      });
      expect(whileWaiting).toEqual(['GET /api/sse/sessions', 'GET /api/sse/sessions']);
      expect('authRequired' in client.getState()).toBe(false);
      expect(client.getState().sessions[created.id]?.status).toBe('running');
    } finally {
      client.stop();
    }
  });
});
