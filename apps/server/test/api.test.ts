import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DirListing, Session, SessionListResponse } from '@sessionboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, createSession, errorOf, send, sendJson, startServer, waitFor, type TestServer } from './helpers.ts';

afterEach(closeAll);

const JSON_TYPE = 'application/json; charset=utf-8';

describe('health', () => {
  it('answers 200 {"status":"ok"} with the instance and stream state, without x-powered-by', async () => {
    const server = await startServer();

    const reply = await send(`${server.url}/api/health`);

    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({ status: 'ok', instance: server.config.instanceName, sse: { enabled: true, rolloutPercent: 100 } });
    expect(reply.headers['content-type']).toBe(JSON_TYPE);
    expect(reply.headers['x-powered-by']).toBeUndefined();
  });
});

describe('sessions', () => {
  it('starts a session in FS_ROOT named after the command, and lists and shows it', async () => {
    const server = await startServer();

    const created = await createSession(server, { command: ['/bin/sleep', '30'] });
    const listed = await sendJson<SessionListResponse>(`${server.url}/api/sessions`, 'GET');
    const shown = await sendJson<Session>(`${server.url}/api/sessions/${created.body.id}`, 'GET');

    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/api/sessions/${created.body.id}`);
    expect(created.body).toMatchObject({
      name: 'sleep',
      command: ['/bin/sleep', '30'],
      cwd: server.fsRoot,
      status: 'running',
      exitCode: null,
      signal: null,
      error: null,
      endedAt: null,
    });
    expect(created.body.id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(created.body.pid).toBeGreaterThan(0);
    expect(() => process.kill(created.body.pid as number, 0)).not.toThrow();
    expect(listed.body.sessions).toEqual([created.body]);
    expect(listed.body.lastEventId).toBe(server.broker.lastEventId);
    expect(listed.headers['cache-control']).toBe('no-store');
    expect(shown.body).toEqual(created.body);
  });

  it('runs a session in a given cwd, resolved to its real path', async () => {
    const server = await startServer();
    await mkdir(join(server.fsRoot, 'work'));
    await symlink(join(server.fsRoot, 'work'), join(server.fsRoot, 'link'));

    const created = await createSession(server, { command: ['sleep', '30'], cwd: join(server.fsRoot, 'link') });

    expect(created.status).toBe(201);
    expect(created.body.cwd).toBe(join(server.fsRoot, 'work'));
  });

  it('stops a live session with 202, then removes the ended one with 204', async () => {
    const server = await startServer();
    const { body: session } = await createSession(server, { command: ['sleep', '30'] });

    const stopped = await sendJson<Session>(`${server.url}/api/sessions/${session.id}`, 'DELETE');
    await waitFor(() => (server.manager.get(session.id)?.status === 'exited' ? true : undefined));
    const removed = await send(`${server.url}/api/sessions/${session.id}`, { method: 'DELETE' });
    const gone = await send(`${server.url}/api/sessions/${session.id}`);

    expect(stopped.status).toBe(202);
    expect(stopped.body).toMatchObject({ id: session.id, status: 'stopping' });
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    expect(gone.status).toBe(404);
    expect(() => process.kill(session.pid as number, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  it('answers 429 too_many_sessions over SESSIONS_MAX_LIVE', async () => {
    const server = await startServer({ SESSIONS_MAX_LIVE: '1' });
    await createSession(server, { command: ['sleep', '30'] });

    const refused = await createSession(server, { command: ['sleep', '30'] });

    expect(refused.status).toBe(429);
    expect(errorOf(refused).code).toBe('too_many_sessions');
    expect(server.manager.liveCount).toBe(1);
  });

  it('keeps only SESSIONS_KEEP_ENDED ended sessions, removing the oldest', async () => {
    const server = await startServer({ SESSIONS_KEEP_ENDED: '1' });
    const first = await createSession(server, { command: ['true'] });
    await waitFor(() => (server.manager.get(first.body.id)?.status === 'exited' ? true : undefined));
    const second = await createSession(server, { command: ['true'] });
    await waitFor(() => (server.manager.get(second.body.id)?.status === 'exited' ? true : undefined));

    const listed = await sendJson<SessionListResponse>(`${server.url}/api/sessions`, 'GET');

    expect(listed.body.sessions.map((s) => s.id)).toEqual([second.body.id]);
  });
});

describe('bad input', () => {
  const post = (server: TestServer, body: string, type = 'application/json') =>
    send(`${server.url}/api/sessions`, { method: 'POST', headers: { 'Content-Type': type }, body });

  it('answers 400 invalid_json to a body that does not parse', async () => {
    const server = await startServer();

    const reply = await post(server, '{"command": [');

    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toBe(JSON_TYPE);
    expect(errorOf(reply).code).toBe('invalid_json');
    expect(reply.text).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it.each([
    ['a missing command', {}, ['command']],
    ['an empty command', { command: [] }, ['command']],
    ['a command that is a string', { command: 'sleep 30' }, ['command']],
    ['an empty argument', { command: ['sleep', ''] }, ['command.1']],
    ['an argument of 4097 characters', { command: ['echo', 'x'.repeat(4097)] }, ['command.1']],
    ['65 arguments', { command: Array.from({ length: 65 }, () => 'x') }, ['command']],
    ['a name of 101 characters', { command: ['true'], name: 'n'.repeat(101) }, ['name']],
    ['an empty name', { command: ['true'], name: '' }, ['name']],
    ['a name with NUL', { command: ['true'], name: 'a\u0000b' }, ['name']],
    ['a name with a line feed', { command: ['true'], name: 'a\nb' }, ['name']],
    ['a name with ESC', { command: ['true'], name: '\u001b[31mred' }, ['name']],
    ['a name with DEL', { command: ['true'], name: 'a\u007f' }, ['name']],
    ['a name with a C1 control', { command: ['true'], name: 'a\u009bb' }, ['name']],
    ['a cwd that is a number', { command: ['true'], cwd: 7 }, ['cwd']],
    ['an unknown field', { command: ['true'], shell: true }, ['shell']],
    ['several wrong fields', { command: [1], name: 2 }, ['command.0', 'name']],
    ['an array body', [['true']], ['(body)']],
  ])('answers 400 invalid_body naming the fields for %s', async (_case, body, fields) => {
    const server = await startServer();

    const reply = await post(server, JSON.stringify(body));

    expect(reply.status).toBe(400);
    const error = errorOf(reply);
    expect(error.code).toBe('invalid_body');
    expect((error.details as { field: string }[]).map((d) => d.field)).toEqual(fields);
    expect(server.manager.list()).toEqual([]);
  });

  it.each([
    ['relative', () => 'sub'],
    ['outside FS_ROOT', () => '/'],
    ['escaping by ..', (root: string) => `${root}/../..`],
    ['missing', (root: string) => `${root}/nope`],
    ['a file', (root: string) => `${root}/file.txt`],
    ['a symlink out of FS_ROOT', (root: string) => `${root}/out`],
  ])('answers 400 invalid_cwd to a cwd that is %s', async (_case, cwd) => {
    const server = await startServer();
    await writeFile(join(server.fsRoot, 'file.txt'), 'x');
    await symlink('/', join(server.fsRoot, 'out'));

    const reply = await post(server, JSON.stringify({ command: ['true'], cwd: cwd(server.fsRoot) }));

    expect(reply.status).toBe(400);
    expect(errorOf(reply).code).toBe('invalid_cwd');
    expect(server.manager.list()).toEqual([]);
  });

  it('answers 413 payload_too_large to a body over 16 KiB', async () => {
    const server = await startServer();

    const reply = await post(server, JSON.stringify({ command: ['echo', 'x'.repeat(17 * 1024)] }));

    expect(reply.status).toBe(413);
    expect(errorOf(reply).code).toBe('payload_too_large');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded'])('answers 415 unsupported_media_type to a %s body', async (type) => {
    const server = await startServer();

    const reply = await post(server, '{"command":["true"]}', type);

    expect(reply.status).toBe(415);
    expect(errorOf(reply).code).toBe('unsupported_media_type');
    expect(server.manager.list()).toEqual([]);
  });

  it.each([
    ['GET', '/api/sessions/unknown-id'],
    ['DELETE', '/api/sessions/unknown-id'],
    ['GET', '/api/sessions/%E0%A4%A'],
    ['GET', '/api/nothing-here'],
    ['PUT', '/api/sessions'],
  ])('answers 404 not_found to %s %s', async (method, path) => {
    const server = await startServer();

    const reply = await send(`${server.url}${path}`, { method });

    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toBe(JSON_TYPE);
    expect(errorOf(reply).code).toBe('not_found');
  });
});

describe('directory listing', () => {
  async function tree(server: TestServer) {
    const root = server.fsRoot;
    for (const dir of ['b', 'a', '.hidden', 'a/inner']) await mkdir(join(root, dir));
    await writeFile(join(root, 'file.txt'), 'x');
    await symlink(join(root, 'a'), join(root, 'to-a'));
    await symlink('/', join(root, 'to-slash'));
  }

  it('lists the sorted subdirectories of FS_ROOT, hidden ones and inside symlinks included, with no parent', async () => {
    const server = await startServer();
    await tree(server);

    const reply = await sendJson<DirListing>(`${server.url}/api/fs/dirs`, 'GET');

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ path: server.fsRoot, parent: null, dirs: ['.hidden', 'a', 'b', 'to-a'] });
  });

  it('lists a subdirectory with its parent', async () => {
    const server = await startServer();
    await tree(server);

    const reply = await sendJson<DirListing>(`${server.url}/api/fs/dirs?path=${encodeURIComponent(join(server.fsRoot, 'a'))}`, 'GET');

    expect(reply.body).toEqual({ path: join(server.fsRoot, 'a'), parent: server.fsRoot, dirs: ['inner'] });
  });

  it.each([
    ['a relative path', () => 'a', 400, 'invalid_path'],
    ['a path outside FS_ROOT', () => '/etc', 403, 'forbidden'],
    ['a path escaping by ..', (root: string) => `${root}/a/../..`, 403, 'forbidden'],
    ['a symlink out of FS_ROOT', (root: string) => `${root}/to-slash`, 403, 'forbidden'],
    ['a missing directory', (root: string) => `${root}/missing`, 404, 'not_found'],
    ['a file', (root: string) => `${root}/file.txt`, 404, 'not_found'],
  ])('answers %s with %i %s', async (_case, path, status, code) => {
    const server = await startServer();
    await tree(server);

    const reply = await send(`${server.url}/api/fs/dirs?path=${encodeURIComponent(path(server.fsRoot))}`);

    expect(reply.status).toBe(status);
    expect(errorOf(reply).code).toBe(code);
  });
});

describe('metrics', () => {
  it('exposes stream, session and process metrics in the Prometheus text format', async () => {
    const server = await startServer();
    await createSession(server, { command: ['sleep', '30'] });
    await createSession(server, { command: ['sleep', '30'] });

    const reply = await send(`${server.url}/metrics`);

    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(reply.text).toMatch(/^# TYPE sse_active_connections gauge$/m);
    expect(reply.text).toMatch(/^sse_active_connections 0$/m);
    expect(reply.text).toMatch(/^# TYPE sse_events_sent_total counter$/m);
    expect(reply.text).toMatch(/^sse_connections_rejected_total\{reason="full"\} 0$/m);
    expect(reply.text).toMatch(/^sse_resumes_total\{outcome="replayed"\} 0$/m);
    expect(reply.text).toMatch(/^sessions_live 2$/m);
    expect(reply.text).toMatch(/^process_cpu_user_seconds_total \d/m);
  });
});

describe('dashboard', () => {
  it('answers / with a page saying to run pnpm build when the dashboard is not built', async () => {
    const server = await startServer();

    const reply = await send(`${server.url}/`);

    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.text).toContain('pnpm build');
  });

  it('serves the built dashboard and falls back to its index.html for other pages, not for /api', async () => {
    const server = await startServer();
    const webRoot = join(server.fsRoot, 'web');
    await mkdir(webRoot);
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>board</title>');
    await writeFile(join(webRoot, 'app.js'), 'console.log(1)');
    const withWeb = await startServer({}, { webRoot });

    const index = await send(`${withWeb.url}/`);
    const asset = await send(`${withWeb.url}/app.js`);
    const spa = await send(`${withWeb.url}/sessions/some-id`);
    const api = await send(`${withWeb.url}/api/nope`);

    expect(index.text).toBe('<!doctype html><title>board</title>');
    expect(asset.headers['content-type']).toMatch(/^text\/javascript|^application\/javascript/);
    expect(spa.status).toBe(200);
    expect(spa.text).toBe('<!doctype html><title>board</title>');
    expect(api.status).toBe(404);
    expect(errorOf(api).code).toBe('not_found');
  });
});
