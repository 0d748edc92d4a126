import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '@sessionboard/client';
import { session } from './testing/fakeBackend.ts';
import { requestKill } from './requestKill.ts';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('requestKill', () => {
  it('sends DELETE with signal=SIGKILL and returns the session', async () => {
    const killed = session({ id: 'a b', status: 'stopping' });
    const fetchFn = vi.fn<typeof fetch>(async () => json(202, killed));
    expect(await requestKill('a b', fetchFn)).toEqual(killed);
    expect(fetchFn).toHaveBeenCalledWith('/api/sessions/a%20b?signal=SIGKILL', { method: 'DELETE', headers: { accept: 'application/json' } });
  });

  it('returns null for 204', async () => {
    expect(await requestKill('x', async () => new Response(null, { status: 204 }))).toBeNull();
  });

  it('throws the server’s error', async () => {
    const refused = requestKill('x', async () => json(404, { error: { code: 'not_found', message: 'No session has the id "x".' } }));
    await expect(refused).rejects.toEqual(new ApiError(404, 'not_found', 'No session has the id "x".'));
  });

  it('throws a network error when nothing answers', async () => {
    await expect(requestKill('x', async () => Promise.reject(new TypeError('Failed to fetch')))).rejects.toMatchObject({
      status: 0,
      code: 'network_error',
    });
  });
});
