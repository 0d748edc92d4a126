import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Session } from '@sessionboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, createSession, errorOf, send, sendJson, startServer, waitFor, type TestServer } from './helpers.ts';

afterEach(closeAll);

/** A session whose whole process group ignores SIGTERM; resolves once it is ready for signals. */
async function stubborn(server: TestServer): Promise<Session> {
  const ready = join(server.fsRoot, 'ready');
  const { body } = await createSession(server, { command: ['sh', '-c', `trap '' TERM; touch ${ready}; sleep 30`] });
  await waitFor(() => (existsSync(ready) ? true : undefined));
  return body;
}

const exited = (server: TestServer, id: string) =>
  waitFor(() => (server.manager.get(id)?.status === 'exited' ? server.manager.get(id) : undefined), 5000);

describe('DELETE /api/sessions/:id?signal=SIGKILL', () => {
  it('kills a running session at once: 202 stopping, then exited by SIGKILL long before the grace', async () => {
    const server = await startServer({ KILL_GRACE_MS: '60000' });
    const session = await stubborn(server);
    const started = Date.now();

    const reply = await sendJson<Session>(`${server.url}/api/sessions/${session.id}?signal=SIGKILL`, 'DELETE');
    const ended = await exited(server, session.id);

    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ id: session.id, status: 'stopping' });
    expect(ended).toMatchObject({ signal: 'SIGKILL', exitCode: null });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('kills a stopping session that ignores SIGTERM at once', async () => {
    const server = await startServer({ KILL_GRACE_MS: '60000' });
    const session = await stubborn(server);
    const terminated = await sendJson<Session>(`${server.url}/api/sessions/${session.id}`, 'DELETE');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stillStopping = server.manager.get(session.id)?.status;

    const killed = await sendJson<Session>(`${server.url}/api/sessions/${session.id}?signal=SIGKILL`, 'DELETE');
    const ended = await exited(server, session.id);

    expect(terminated.body.status).toBe('stopping');
    expect(stillStopping).toBe('stopping');
    expect(killed.status).toBe(202);
    expect(killed.body.status).toBe('stopping');
    expect(ended).toMatchObject({ signal: 'SIGKILL' });
  });

  it('removes an ended session with 204, as without the signal', async () => {
    const server = await startServer();
    const { body: session } = await createSession(server, { command: ['true'] });
    await exited(server, session.id);

    const reply = await send(`${server.url}/api/sessions/${session.id}?signal=SIGKILL`, { method: 'DELETE' });

    expect(reply.status).toBe(204);
    expect(server.manager.get(session.id)).toBeUndefined();
  });

  it.each([['?signal=SIGTERM'], ['?signal=sigkill'], ['?signal=9'], ['?signal='], ['?signal=SIGKILL&signal=SIGKILL']])(
    'answers 400 invalid_body naming signal for %s, and leaves the session running',
    async (query) => {
      const server = await startServer();
      const { body: session } = await createSession(server, { command: ['sleep', '30'] });

      const reply = await send(`${server.url}/api/sessions/${session.id}${query}`, { method: 'DELETE' });

      expect(reply.status).toBe(400);
      const error = errorOf(reply);
      expect(error.code).toBe('invalid_body');
      expect(error.message).toBe(
        'Invalid stop request: signal must be SIGKILL (to kill at once), or left out (SIGTERM, then SIGKILL after the grace period).',
      );
      expect(error.details).toEqual([{ field: 'signal', message: expect.stringContaining('SIGKILL') }]);
      expect(server.manager.get(session.id)?.status).toBe('running');
    },
  );

  it('answers 404 for an unknown session', async () => {
    const server = await startServer();

    const reply = await send(`${server.url}/api/sessions/nope?signal=SIGKILL`, { method: 'DELETE' });

    expect(reply.status).toBe(404);
    expect(errorOf(reply).code).toBe('not_found');
  });
});
