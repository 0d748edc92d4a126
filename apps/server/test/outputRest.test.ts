import type { Session, SessionOutputResponse } from '@sessionboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, createSession, errorOf, send, sendJson, startServer, waitFor, type TestServer } from './helpers.ts';

afterEach(closeAll);

const output = (server: TestServer, id: string, query = '') =>
  sendJson<SessionOutputResponse>(`${server.url}/api/sessions/${id}/output${query}`, 'GET');

/** Starts `command` and resolves once its output is complete (the poll answers ended). */
async function runToEnd(server: TestServer, command: string[]): Promise<Session> {
  const { body: session } = await createSession(server, { command });
  await waitFor(() => (server.output.source(session.id)?.ended ? true : undefined), 10_000);
  return session;
}

describe('GET /api/sessions/:id/output', () => {
  it('answers the chunks of stdout and stderr in arrival order, with byte offsets, and ended once complete', async () => {
    const server = await startServer();

    const session = await runToEnd(server, ['sh', '-c', 'echo out; sleep 0.2; echo "err €" >&2; sleep 0.2; echo back']);
    const reply = await output(server, session.id);

    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.body).toEqual({
      chunks: [
        { stream: 'stdout', text: 'out\n', offset: 4 },
        { stream: 'stderr', text: 'err €\n', offset: 12 },
        { stream: 'stdout', text: 'back\n', offset: 17 },
      ],
      offset: 17,
      from: 0,
      ended: true,
    });
  });

  it('answers exactly the output after ?after=, and nothing more at the end', async () => {
    const server = await startServer();
    const session = await runToEnd(server, ['sh', '-c', 'echo out; sleep 0.2; echo err >&2']);

    const after = await output(server, session.id, '?after=4');
    const atEnd = await output(server, session.id, '?after=8');

    expect(after.body).toEqual({ chunks: [{ stream: 'stderr', text: 'err\n', offset: 8 }], offset: 8, from: 0, ended: true });
    expect(atEnd.body).toEqual({ chunks: [], offset: 8, from: 0, ended: true });
  });

  it('answers ended false, and the offset so far, while the process lives', async () => {
    const server = await startServer();
    const { body: session } = await createSession(server, { command: ['sh', '-c', 'echo started; exec sleep 30'] });
    await waitFor(() => (server.output.source(session.id)?.end === 8 ? true : undefined));

    const reply = await output(server, session.id);
    const next = await output(server, session.id, `?after=${reply.body.offset}`);

    expect(reply.body).toEqual({ chunks: [{ stream: 'stdout', text: 'started\n', offset: 8 }], offset: 8, from: 0, ended: false });
    expect(next.body).toEqual({ chunks: [], offset: 8, from: 0, ended: false });
  });

  it('says from where output is kept when older output was dropped', async () => {
    const server = await startServer({ SESSIONS_OUTPUT_BYTES: '1024' });

    const session = await runToEnd(server, ['head', '-c', '3000', '/dev/zero']);
    const reply = await output(server, session.id, '?after=100');

    expect(reply.body.from).toBe(3000 - 1024);
    expect(reply.body.offset).toBe(3000);
    expect(reply.body.chunks).toEqual([{ stream: 'stdout', text: '\0'.repeat(1024), offset: 3000 }]);
  });

  it('answers at most 256 KiB of output, and the offset to go on from', async () => {
    const server = await startServer();
    const session = await runToEnd(server, ['head', '-c', '300000', '/dev/zero']);

    const first = await output(server, session.id);
    const second = await output(server, session.id, `?after=${first.body.offset}`);

    expect(first.body.offset).toBe(256 * 1024);
    expect(first.body.ended).toBe(false);
    expect(second.body.offset).toBe(300_000);
    expect(second.body.ended).toBe(true);
  });

  it('decodes invalid bytes as U+FFFD while counting the bytes written', async () => {
    const server = await startServer();

    const session = await runToEnd(server, ['printf', '\\377ok\\n\\342\\202']);
    const reply = await output(server, session.id);

    expect(reply.body.chunks).toEqual([{ stream: 'stdout', text: '\uFFFDok\n\uFFFD', offset: 6 }]);
  });

  it('keeps output of ended sessions larger than 16 KiB on disk and answers the same', async () => {
    const server = await startServer();
    const session = await runToEnd(server, ['sh', '-c', 'yes "line €" | head -n 5000']);
    await waitFor(() => (server.output.stats().diskBytes > 0 ? true : undefined));

    const reply = await output(server, session.id, '?after=44991');

    expect(server.output.stats()).toMatchObject({ memoryBytes: 0, diskBytes: 5000 * 9 });
    expect(reply.body).toEqual({ chunks: [{ stream: 'stdout', text: 'line €\n', offset: 45_000 }], offset: 45_000, from: 0, ended: true });
  });

  it.each([['?after=-1'], ['?after=abc'], ['?after=1.5'], ['?after='], ['?after=1&after=2'], ['?after=99999999999999999']])(
    'answers 400 invalid_body naming after for %s',
    async (query) => {
      const server = await startServer();
      const session = await runToEnd(server, ['true']);

      const reply = await send(`${server.url}/api/sessions/${session.id}/output${query}`);

      expect(reply.status).toBe(400);
      const error = errorOf(reply);
      expect(error.code).toBe('invalid_body');
      expect(error.message).toMatch(/after must be a byte offset/);
      expect(error.details).toEqual([{ field: 'after', message: expect.stringContaining('after') }]);
    },
  );

  it('answers 404 not_found for an unknown session, and for one removed', async () => {
    const server = await startServer();
    const session = await runToEnd(server, ['echo', 'hi']);
    await send(`${server.url}/api/sessions/${session.id}`, { method: 'DELETE' });

    const unknown = await send(`${server.url}/api/sessions/nope/output`);
    const removed = await send(`${server.url}/api/sessions/${session.id}/output`);

    expect([unknown.status, removed.status]).toEqual([404, 404]);
    expect(errorOf(unknown)).toEqual({ code: 'not_found', message: 'No session has the id "nope".' });
    expect(server.output.source(session.id)).toBeUndefined();
  });

  it('is rate limited like the other REST routes', async () => {
    const server = await startServer({ RATE_LIMIT_PER_MINUTE: '2' });
    const session = await runToEnd(server, ['true']);

    const replies = [];
    for (let i = 0; i < 2; i++) replies.push(await send(`${server.url}/api/sessions/${session.id}/output`));

    expect(replies.map((reply) => reply.status)).toEqual([200, 429]);
  });
});
