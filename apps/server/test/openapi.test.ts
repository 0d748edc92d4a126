import { createConfig, lintFromString } from '@redocly/openapi-core';
import type { Session } from '@sessionboard/protocol';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/http/openApiDocument.ts';
import { closeAll, createSession, openStream, send, startServer, waitFor, type Frame, type Reply, type TestServer } from './helpers.ts';

afterEach(closeAll);

const TOKEN = 'openapi-test-token-0123456789';
const DOC_ID = 'https://sessionboard.invalid/openapi.json';

type Json = Record<string, unknown>;
type Doc = Json & { paths: Record<string, Record<string, Json>> };

const doc = buildOpenApiDocument() as Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
ajv.addSchema({ ...doc, $id: DOC_ID });

/** The request a case sends, made once its server (and whatever it set up) is ready. */
interface Request {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  /** A JSON value, or a raw string sent as is. */
  body?: unknown;
}

/** One row: a real request to a real server, and the status its answer must have. */
interface ResponseCase {
  name: string;
  env?: Record<string, string>;
  request: (server: TestServer) => Request | Promise<Request>;
  status: number;
  /** For a `200` stream: done once the frames received satisfy this. */
  streamUntil?: (frames: Frame[]) => boolean;
  /** For a stream: run once it is open, to make events happen. */
  afterOpen?: (server: TestServer) => Promise<void>;
}

const json = (body: unknown) => ({ 'Content-Type': 'application/json', body: typeof body === 'string' ? body : JSON.stringify(body) });

async function liveSession(server: TestServer): Promise<Session> {
  return (await createSession(server, { command: ['sleep', '30'] })).body;
}

/** A session that printed to both streams and has ended. */
async function outputSession(server: TestServer): Promise<Session> {
  const session = (await createSession(server, { command: ['sh', '-c', 'echo out; echo err >&2'] })).body;
  await waitFor(() => (server.manager.get(session.id)?.status === 'exited' ? true : undefined));
  return session;
}

async function endedSession(server: TestServer): Promise<Session> {
  const session = (await createSession(server, { command: ['true'] })).body;
  await waitFor(() => (server.manager.get(session.id)?.status === 'exited' ? true : undefined));
  return session;
}

const events = (frames: Frame[]) => frames.filter((frame) => frame.event !== undefined).map((frame) => frame.event);

/**
 * Every route in this branch, success and error envelopes. Add a row for each route or
 * answer that lands later (output, SIGKILL, cluster's 503 `unavailable`).
 */
const RESPONSE_CASES: ResponseCase[] = [
  { name: 'health', request: () => ({ method: 'GET', path: '/api/health' }), status: 200 },
  { name: 'health from a rebound Host', request: () => ({ method: 'GET', path: '/api/health', headers: { Host: 'rebound.example' } }), status: 403 },
  { name: 'list', request: async (s) => (await liveSession(s), { method: 'GET', path: '/api/sessions' }), status: 200 },
  { name: 'list, signed out', env: { AUTH_TOKEN: TOKEN }, request: () => ({ method: 'GET', path: '/api/sessions' }), status: 401 },
  { name: 'list, over the rate limit', env: { RATE_LIMIT_PER_MINUTE: '1' }, request: async (s) => (await send(`${s.url}/api/sessions`), { method: 'GET', path: '/api/sessions' }), status: 429 },
  { name: 'create running', request: () => ({ method: 'POST', path: '/api/sessions', body: { command: ['sleep', '30'], name: 'nap' } }), status: 201 },
  { name: 'create failed', request: () => ({ method: 'POST', path: '/api/sessions', body: { command: ['no-such-program-here'] } }), status: 201 },
  { name: 'create, invalid body', request: () => ({ method: 'POST', path: '/api/sessions', body: { command: [], extra: 1 } }), status: 400 },
  { name: 'create, invalid JSON', request: () => ({ method: 'POST', path: '/api/sessions', body: '{"command":' }), status: 400 },
  { name: 'create, invalid cwd', request: () => ({ method: 'POST', path: '/api/sessions', body: { command: ['true'], cwd: '/no/such/dir' } }), status: 400 },
  { name: 'create, too large', request: () => ({ method: 'POST', path: '/api/sessions', body: { command: ['echo', 'x'.repeat(17 * 1024)] } }), status: 413 },
  { name: 'create, not JSON', request: () => ({ method: 'POST', path: '/api/sessions', headers: { 'Content-Type': 'text/plain' }, body: 'sleep 30' }), status: 415 },
  { name: 'create, too many sessions', env: { SESSIONS_MAX_LIVE: '1' }, request: async (s) => (await liveSession(s), { method: 'POST', path: '/api/sessions', body: { command: ['sleep', '30'] } }), status: 429 },
  { name: 'create, cross-origin', request: () => ({ method: 'POST', path: '/api/sessions', headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' }, body: { command: ['true'] } }), status: 403 },
  { name: 'show', request: async (s) => ({ method: 'GET', path: `/api/sessions/${(await liveSession(s)).id}` }), status: 200 },
  { name: 'show unknown', request: () => ({ method: 'GET', path: '/api/sessions/no-such-id' }), status: 404 },
  { name: 'stop live', request: async (s) => ({ method: 'DELETE', path: `/api/sessions/${(await liveSession(s)).id}` }), status: 202 },
  { name: 'remove ended', request: async (s) => ({ method: 'DELETE', path: `/api/sessions/${(await endedSession(s)).id}` }), status: 204 },
  { name: 'remove unknown', request: () => ({ method: 'DELETE', path: '/api/sessions/no-such-id' }), status: 404 },
  { name: 'dirs', request: async (s) => (await mkdir(join(s.fsRoot, 'a')), { method: 'GET', path: '/api/fs/dirs' }), status: 200 },
  { name: 'dirs, relative', request: () => ({ method: 'GET', path: '/api/fs/dirs?path=relative' }), status: 400 },
  { name: 'dirs, outside', request: () => ({ method: 'GET', path: '/api/fs/dirs?path=/' }), status: 403 },
  { name: 'dirs, missing', request: (s) => ({ method: 'GET', path: `/api/fs/dirs?path=${encodeURIComponent(join(s.fsRoot, 'nope'))}` }), status: 404 },
  { name: 'auth status', request: () => ({ method: 'GET', path: '/api/auth/status' }), status: 200 },
  { name: 'sign in', env: { AUTH_TOKEN: TOKEN }, request: () => ({ method: 'POST', path: '/api/auth/login', body: { token: TOKEN } }), status: 204 },
  { name: 'sign in, wrong token', env: { AUTH_TOKEN: TOKEN }, request: () => ({ method: 'POST', path: '/api/auth/login', body: { token: 'wrong-token' } }), status: 401 },
  { name: 'sign in, no token field', env: { AUTH_TOKEN: TOKEN }, request: () => ({ method: 'POST', path: '/api/auth/login', body: {} }), status: 400 },
  { name: 'sign in without AUTH_TOKEN', request: () => ({ method: 'POST', path: '/api/auth/login', body: { token: TOKEN } }), status: 404 },
  { name: 'sign out', request: () => ({ method: 'POST', path: '/api/auth/logout' }), status: 204 },
  { name: 'OpenAPI document', request: () => ({ method: 'GET', path: '/api/openapi.json' }), status: 200 },
  { name: 'metrics', request: () => ({ method: 'GET', path: '/metrics' }), status: 200 },
  { name: 'metrics, signed out', env: { AUTH_TOKEN: TOKEN }, request: () => ({ method: 'GET', path: '/metrics' }), status: 401 },
  {
    name: 'sessions stream: snapshot, every change, ping',
    env: { SSE_HEARTBEAT_MS: '200' },
    request: () => ({ method: 'GET', path: '/api/sse/sessions' }),
    status: 200,
    afterOpen: async (s) => {
      const session = await liveSession(s);
      await send(`${s.url}/api/sessions/${session.id}`, { method: 'DELETE' });
      await waitFor(() => (s.manager.get(session.id)?.status === 'exited' ? true : undefined));
      await send(`${s.url}/api/sessions/${session.id}`, { method: 'DELETE' });
    },
    streamUntil: (frames) => ['snapshot', 'session_created', 'session_updated', 'session_removed', 'ping'].every((name) => events(frames).includes(name)),
  },
  {
    name: 'sessions stream, resumed',
    request: async (s) => {
      const first = await openStream(`${s.url}/api/sse/sessions`);
      const snapshot = await first.next((frame) => frame.event === 'snapshot');
      first.close();
      await liveSession(s);
      return { method: 'GET', path: `/api/sse/sessions?lastEventId=${snapshot.id}` };
    },
    status: 200,
    streamUntil: (frames) => events(frames).includes('session_created'),
  },
  { name: 'sessions stream, disabled', env: { SSE_ENABLED: 'false' }, request: () => ({ method: 'GET', path: '/api/sse/sessions' }), status: 503 },
  { name: 'sessions stream, outside the rollout', env: { SSE_ROLLOUT_PERCENT: '0' }, request: () => ({ method: 'GET', path: '/api/sse/sessions' }), status: 503 },
  {
    name: 'sessions stream, full',
    env: { SSE_MAX_CONNECTIONS: '1' },
    request: async (s) => (await openStream(`${s.url}/api/sse/sessions`), { method: 'GET', path: '/api/sse/sessions' }),
    status: 503,
  },
  { name: 'sessions stream, signed out', env: { AUTH_TOKEN: TOKEN }, request: () => ({ method: 'GET', path: '/api/sse/sessions' }), status: 401 },
  { name: 'kill live now', request: async (s) => ({ method: 'DELETE', path: `/api/sessions/${(await liveSession(s)).id}?signal=SIGKILL` }), status: 202 },
  { name: 'kill, unknown signal', request: async (s) => ({ method: 'DELETE', path: `/api/sessions/${(await liveSession(s)).id}?signal=SIGHUP` }), status: 400 },
  { name: 'output', request: async (s) => ({ method: 'GET', path: `/api/sessions/${(await outputSession(s)).id}/output?after=0` }), status: 200 },
  { name: 'output, bad after', request: async (s) => ({ method: 'GET', path: `/api/sessions/${(await liveSession(s)).id}/output?after=-1` }), status: 400 },
  { name: 'output, unknown session', request: () => ({ method: 'GET', path: '/api/sessions/no-such-id/output' }), status: 404 },
  {
    name: 'output stream: output, end',
    request: async (s) => ({ method: 'GET', path: `/api/sse/sessions/${(await outputSession(s)).id}/output` }),
    status: 200,
    streamUntil: (frames) => ['output', 'end'].every((name) => events(frames).includes(name)),
  },
  { name: 'output stream, unknown session', request: () => ({ method: 'GET', path: '/api/sse/sessions/no-such-id/output' }), status: 404 },
  { name: 'output stream, disabled', env: { SSE_ENABLED: 'false' }, request: async (s) => ({ method: 'GET', path: `/api/sse/sessions/${(await liveSession(s)).id}/output` }), status: 503 },
];

/** The document's path template that a request path matches, e.g. `/api/sessions/{id}`. */
function pathTemplate(path: string): string {
  const bare = path.split('?')[0] as string;
  const template = Object.keys(doc.paths).find((candidate) =>
    new RegExp(`^${candidate.replace(/\./g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(bare),
  );
  if (template === undefined) throw new Error(`the document has no path for ${bare}`);
  return template;
}

const pointer = (...parts: string[]) => parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** Validates `value` against the schema at `#/<parts>` of the document; returns ajv's errors. */
function validate(value: unknown, ...parts: string[]): string | undefined {
  const check = ajv.compile({ $ref: `${DOC_ID}#/${pointer(...parts)}` });
  return check(value) ? undefined : ajv.errorsText(check.errors);
}

async function perform(server: TestServer, request: Request): Promise<Reply> {
  const headers: Record<string, string> = { ...request.headers };
  let body: string | undefined;
  if (request.body !== undefined) {
    const encoded = json(request.body);
    headers['Content-Type'] ??= encoded['Content-Type'];
    body = encoded.body;
  }
  return send(`${server.url}${request.path}`, { method: request.method, headers, body });
}

describe('the OpenAPI document', () => {
  it('passes the Redocly linter\'s strict recommended rules without a problem', async () => {
    const config = await createConfig({ extends: ['recommended-strict'] } as never);
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: '/openapi.json', config });
    expect(problems.map((problem) => `${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer}`)).toEqual([]);
  });

  it('is OpenAPI 3.1 and describes every route of PROTOCOL.md, the auth routes and the SSE event types', () => {
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).filter((key) => key !== 'parameters').map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET /api/health',
        'GET /api/sessions',
        'POST /api/sessions',
        'GET /api/sessions/{id}',
        'DELETE /api/sessions/{id}',
        'GET /api/sessions/{id}/output',
        'GET /api/sse/sessions',
        'GET /api/sse/sessions/{id}/output',
        'GET /api/fs/dirs',
        'GET /api/auth/status',
        'POST /api/auth/login',
        'POST /api/auth/logout',
        'GET /api/openapi.json',
        'GET /metrics',
      ].sort(),
    );
    const streamContent = (path: string) =>
      ((doc.paths[path]?.get?.responses as Json)['200'] as { content: Record<string, Json> }).content['text/event-stream'] as Json;
    expect(Object.keys(streamContent('/api/sse/sessions')['x-sse-events'] as Json)).toEqual(['snapshot', 'session_created', 'session_updated', 'session_removed', 'ping']);
    expect(Object.keys(streamContent('/api/sse/sessions/{id}/output')['x-sse-events'] as Json)).toEqual(['output', 'truncated', 'end', 'ping']);
  });

  it('takes its request schema from the one POST /api/sessions validates with', () => {
    const schema = (doc.components as { schemas: Record<string, Json> }).schemas.CreateSessionRequest;
    expect(schema).toMatchObject({ type: 'object', required: ['command'], additionalProperties: false });
    expect(validate({ command: ['sleep', '1'] }, 'components', 'schemas', 'CreateSessionRequest')).toBeUndefined();
    expect(validate({ command: ['sleep'], nmae: 'typo' }, 'components', 'schemas', 'CreateSessionRequest')).toMatch(/additional properties/);
  });

  it('is served at GET /api/openapi.json, exempt from the rate limit', async () => {
    const server = await startServer({ RATE_LIMIT_PER_MINUTE: '1' });
    for (let i = 0; i < 3; i++) {
      const reply = await send(`${server.url}/api/openapi.json`);
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(reply.text)).toEqual(doc);
    }
  });
});

describe('real responses validate against the document', () => {
  it.each(RESPONSE_CASES.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const server = await startServer(row.env ?? {});
    const request = await row.request(server);
    const template = pathTemplate(request.path);
    const method = request.method.toLowerCase();
    const operation = doc.paths[template]?.[method] as { responses: Record<string, Json> } | undefined;
    expect(operation, `${request.method} ${template} is documented`).toBeDefined();

    if (row.streamUntil !== undefined) {
      const stream = await openStream(`${server.url}${request.path}`, request.headers);
      expect(stream.status).toBe(row.status);
      await row.afterOpen?.(server);
      await waitFor(() => (row.streamUntil?.(stream.frames) ? true : undefined), 10_000, () => JSON.stringify(events(stream.frames)));
      stream.close();
      expect(operation?.responses[String(row.status)], `status ${row.status} is documented`).toBeDefined();
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      for (const frame of stream.frames.filter((f) => f.event !== undefined)) {
        const parsed = { event: frame.event, ...(frame.id === undefined ? {} : { id: frame.id }), data: JSON.parse(frame.data ?? 'null') as unknown };
        const problem = validate(parsed, 'paths', template, method, 'responses', String(row.status), 'content', 'text/event-stream', 'schema', 'items');
        expect(problem, `${frame.event} frame: ${frame.raw}`).toBeUndefined();
      }
      return;
    }

    const reply = await perform(server, request);
    expect(reply.status, reply.text).toBe(row.status);
    const response = operation?.responses[String(row.status)] as { content?: Record<string, Json> } | undefined;
    expect(response, `status ${row.status} of ${request.method} ${template} is documented`).toBeDefined();
    if (response?.content === undefined) {
      expect(reply.text).toBe('');
      return;
    }
    const type = (reply.headers['content-type'] ?? '').split(';')[0] as string;
    expect(Object.keys(response.content), `content type ${type}`).toContain(type);
    if (type !== 'application/json') return;
    const problem = validate(JSON.parse(reply.text), 'paths', template, method, 'responses', String(row.status), 'content', type, 'schema');
    expect(problem, reply.text).toBeUndefined();
  });
});
