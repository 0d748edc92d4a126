import { describe, expect, it, vi } from 'vitest';
import { errorResponse, jsonResponse, session } from '../test/fakes.ts';
import { ApiError } from './ApiError.ts';
import { createSessionsApi } from './createSessionsApi.ts';

function apiWith(response: Response | Error) {
  const fetch = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => {
    if (response instanceof Error) throw response;
    return response;
  });
  return { api: createSessionsApi({ fetch, baseUrl: 'http://sb.test', now: () => 0 }), fetch };
}

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('requests', () => {
  it('posts a new session as JSON and returns it', async () => {
    const created = session();
    const { api, fetch } = apiWith(jsonResponse(201, created));
    expect(await api.createSession({ command: ['sleep', '60'], name: 'nap' })).toEqual(created);
    expect(fetch).toHaveBeenCalledWith('http://sb.test/api/sessions', {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: '{"command":["sleep","60"],"name":"nap"}',
    });
  });

  it('returns the stopping session of a 202 and null for a 204', async () => {
    const stopping = session({ status: 'stopping' });
    const live = apiWith(jsonResponse(202, stopping));
    expect(await live.api.terminateSession('a/b')).toEqual(stopping);
    expect(live.fetch.mock.calls[0]?.[0]).toBe('http://sb.test/api/sessions/a%2Fb');
    expect(live.fetch.mock.calls[0]?.[1]?.method).toBe('DELETE');
    const ended = apiWith(jsonResponse(204, null));
    expect(await ended.api.removeSession('s1')).toBeNull();
  });

  it('kills a session with DELETE ?signal=SIGKILL and returns the session of the 202', async () => {
    const stopping = session({ id: 'a/b', status: 'stopping', signal: null });
    const { api, fetch } = apiWith(jsonResponse(202, stopping));
    expect(await api.killSession('a/b')).toEqual(stopping);
    expect(fetch).toHaveBeenCalledWith('http://sb.test/api/sessions/a%2Fb?signal=SIGKILL', {
      method: 'DELETE',
      headers: { accept: 'application/json' },
    });
  });

  it('reads a session’s output after an offset, from 0 by default', async () => {
    const output = { chunks: [{ stream: 'stderr', text: 'boom\n', offset: 15 }], offset: 15, from: 0, ended: true };
    const after = apiWith(jsonResponse(200, output));
    expect(await after.api.sessionOutput('a/b', 10)).toEqual(output);
    expect(after.fetch.mock.calls[0]?.[0]).toBe('http://sb.test/api/sessions/a%2Fb/output?after=10');
    expect(after.fetch.mock.calls[0]?.[1]?.method).toBe('GET');
    const whole = apiWith(jsonResponse(200, output));
    await whole.api.sessionOutput('s1');
    expect(whole.fetch.mock.calls[0]?.[0]).toBe('http://sb.test/api/sessions/s1/output?after=0');
  });

  it('lists directories at a path or at the root', async () => {
    const listing = { path: '/home/u', parent: '/home', dirs: ['a b'] };
    const at = apiWith(jsonResponse(200, listing));
    expect(await at.api.listDirs('/home/u x')).toEqual(listing);
    expect(at.fetch.mock.calls[0]?.[0]).toBe('http://sb.test/api/fs/dirs?path=%2Fhome%2Fu%20x');
    const root = apiWith(jsonResponse(200, listing));
    await root.api.listDirs();
    expect(root.fetch.mock.calls[0]?.[0]).toBe('http://sb.test/api/fs/dirs');
  });
});

describe('errors', () => {
  it('throws the server’s code and message', async () => {
    const { api } = apiWith(errorResponse(400, 'invalid_cwd', 'cwd "/nope" is not a directory inside /home/u.'));
    const error = await caught(api.createSession({ command: ['ls'], cwd: '/nope' }));
    expect([error.status, error.code, error.message]).toEqual([400, 'invalid_cwd', 'cwd "/nope" is not a directory inside /home/u.']);
  });

  it('keeps the message and Retry-After of a 429', async () => {
    const { api } = apiWith(errorResponse(429, 'rate_limited', 'Too many requests; try again in 12 s.', { 'retry-after': '12' }));
    const error = await caught(api.terminateSession('s1'));
    expect([error.status, error.code, error.message, error.retryAfterMs]).toEqual([429, 'rate_limited', 'Too many requests; try again in 12 s.', 12_000]);
  });

  it('names a status without an error envelope', async () => {
    const { api } = apiWith(new Response('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway' }));
    const error = await caught(api.listSessions());
    expect([error.status, error.code, error.message]).toEqual([502, 'http_error', 'The server answered 502 Bad Gateway.']);
  });

  it('throws not_found for the output of an unknown session', async () => {
    const { api } = apiWith(errorResponse(404, 'not_found', 'No session "nope".'));
    const error = await caught(api.sessionOutput('nope', 0));
    expect([error.status, error.code, error.message]).toEqual([404, 'not_found', 'No session "nope".']);
  });

  it('reports an unreachable server as status 0', async () => {
    const { api } = apiWith(new TypeError('fetch failed'));
    const error = await caught(api.listDirs());
    expect([error.status, error.code, error.message]).toEqual([0, 'network_error', 'Cannot reach the server (fetch failed).']);
  });
});

describe('auth', () => {
  it('signs in by posting the token, and out by posting nothing', async () => {
    const signIn = apiWith(new Response(null, { status: 204 }));
    const signOut = apiWith(new Response(null, { status: 204 }));
    await expect(signIn.api.signIn('tok-0123456789abcdef')).resolves.toBeUndefined();
    await expect(signOut.api.signOut()).resolves.toBeUndefined();
    expect(signIn.fetch).toHaveBeenCalledWith('http://sb.test/api/auth/login', {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: '{"token":"tok-0123456789abcdef"}',
    });
    expect(signOut.fetch).toHaveBeenCalledWith('http://sb.test/api/auth/logout', { method: 'POST', headers: { accept: 'application/json' } });
  });

  it('throws 401 unauthorized for a wrong token', async () => {
    const { api } = apiWith(errorResponse(401, 'unauthorized', "That is not this server's AUTH_TOKEN."));
    const error = await caught(api.signIn('nope'));
    expect([error.status, error.code, error.message]).toEqual([401, 'unauthorized', "That is not this server's AUTH_TOKEN."]);
  });

  it('reads the auth status', async () => {
    const { api, fetch } = apiWith(jsonResponse(200, { authRequired: true, authenticated: false }));
    expect(await api.authStatus()).toEqual({ authRequired: true, authenticated: false });
    expect(fetch.mock.calls[0]?.[0]).toBe('http://sb.test/api/auth/status');
  });
});
