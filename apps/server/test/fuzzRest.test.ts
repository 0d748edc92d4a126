import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_STATUS, type ErrorCode, type Session, type SessionListResponse } from '@sessionboard/protocol';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Spawner } from '../src/sessions/SessionManager.ts';
import { closeAll, openStream, send, sendJson, startServer, waitFor, type Frame, type Reply, type TestServer } from './helpers.ts';

const RUNS = { json: 600, shaped: 600, raw: 600, ids: 400, dirs: 400, header: 600, query: 400 };
let casesRun = 0;
let spawned = 0;

let fuzzRoot: string;
let missingBin: string;

beforeAll(async () => {
  fuzzRoot = await realpath(await mkdtemp(join(tmpdir(), 'sessionboard-fuzz-')));
  missingBin = join(fuzzRoot, 'no-such-bin');
  await mkdir(join(fuzzRoot, 'projects', 'web'), { recursive: true });
  await mkdir(join(fuzzRoot, '.hidden'));
  await symlink('/', join(fuzzRoot, 'escape'));
});

afterEach(closeAll);

afterAll(async () => {
  await rm(fuzzRoot, { recursive: true, force: true });
  console.log(`fuzzRest: ${casesRun} cases run (${Object.entries(RUNS).map(([k, v]) => `${k} ${v}`).join(', ')}); ${spawned} valid bodies reached the spawner`);
});

/**
 * The real spawn, but of a file that cannot exist: an arbitrary valid body must not start an
 * arbitrary program on the test machine. Argv and cwd still go to the OS as given.
 */
const spawnNothing: Spawner = (file, args, cwd) => {
  spawned += 1;
  const name = Buffer.from(file).toString('hex').slice(0, 64);
  return spawn(join(missingBin, name), args, { cwd, stdio: 'ignore', detached: true, env: {} });
};

/** A server whose sessions all fail to start, FS_ROOT a temp tree with a symlink out of it. */
async function fuzzServer(): Promise<TestServer> {
  return startServer(
    { FS_ROOT: fuzzRoot, RATE_LIMIT_PER_MINUTE: '1000000', SESSIONS_MAX_LIVE: '4', SESSIONS_KEEP_ENDED: '20' },
    { spawn: spawnNothing },
  );
}

/** Never a 5xx; a 4xx is the error envelope, with a code that goes with its status and no stack. */
function expectWellFormed(reply: Reply): void {
  expect(reply.status).toBeLessThan(500);
  if (reply.status < 400) return;
  expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = JSON.parse(reply.text) as { error: { code: ErrorCode; message: string; details?: unknown } };
  expect(Object.keys(body)).toEqual(['error']);
  const { code, message, details, ...rest } = body.error;
  expect(rest).toEqual({});
  expect(typeof message).toBe('string');
  expect(message.length).toBeGreaterThan(0);
  expect(message).not.toMatch(/\n\s+at /);
  expect(ERROR_STATUS[code]).toBe(reply.status);
  if (details !== undefined) expect(JSON.stringify(details)).not.toMatch(/\n\s+at /);
}

/** A POST answered 201 is a session that failed to start, as every start does here. */
function expectCreatedOrRefused(reply: Reply): void {
  expectWellFormed(reply);
  if (reply.status < 400) {
    expect(reply.status).toBe(201);
    const session = JSON.parse(reply.text) as Session;
    expect(session.status).toBe('failed');
    expect(session.pid).toBeNull();
  }
}

/** A request whose path goes out exactly as given (a URL object would resolve `.` and `..`). */
function sendPath(server: TestServer, method: string, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(server.url);
    const req = request({ host: hostname, port, path, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

function post(server: TestServer, body: string, contentType = 'application/json') {
  return send(`${server.url}/api/sessions`, { method: 'POST', headers: { 'Content-Type': contentType }, body });
}

/** Lone surrogates replaced, as a UTF-8 encoder would: `encodeURIComponent` throws on them. */
const wellFormed = (value: string) => value.replace(/\p{Cs}/gu, '\ufffd');

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 50 }), fc.string({ unit: 'grapheme', maxLength: 50 }));
const pathLike = fc.oneof(
  text,
  fc.constantFrom('/', '/etc', '/etc/passwd', '.', '..', 'projects', '~', '/tmp', '\\', '//', '%2e%2e'),
  fc.array(fc.constantFrom('projects', 'web', '..', '.', '.hidden', 'escape', 'missing', '', 'a b', 'é'), { maxLength: 6 }).map(
    (parts) => `/${parts.join('/')}`,
  ),
);
/** Paths under FS_ROOT as well as anywhere, so that every answer of the picker is reached. */
const anyPath = fc.oneof(pathLike, pathLike.map((path) => `${fuzzRoot}${path.startsWith('/') ? '' : '/'}${path}`));

describe('POST /api/sessions with arbitrary bodies', () => {
  it('answers arbitrary JSON values with 201 or the error envelope, never a 5xx', async () => {
    const server = await fuzzServer();
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        casesRun += 1;
        expectCreatedOrRefused(await post(server, JSON.stringify(value) ?? 'null'));
      }),
      { numRuns: RUNS.json },
    );
    expect(server.manager.liveCount).toBe(0);
  });

  it('answers bodies shaped like a session request, with arbitrary field values, with 201 or the error envelope', async () => {
    const server = await fuzzServer();
    const spawnedBefore = spawned;
    // Mostly valid fields, so that many bodies pass validation and reach the spawner.
    const arg = fc.string({ minLength: 1, maxLength: 40 }).filter((a) => !a.includes('\0'));
    const shaped = fc.record(
      {
        command: fc.oneof(
          { arbitrary: fc.array(arg, { minLength: 1, maxLength: 6 }), weight: 6 },
          { arbitrary: fc.array(fc.oneof(text, fc.jsonValue()), { maxLength: 70 }), weight: 1 },
          { arbitrary: fc.constantFrom(['a'.repeat(4097)], [], ['x', ''], ['x\u0000']), weight: 1 },
          { arbitrary: fc.jsonValue(), weight: 1 },
        ),
        name: fc.oneof(
          { arbitrary: fc.string({ minLength: 1, maxLength: 100 }), weight: 4 },
          { arbitrary: fc.oneof(fc.constant(''), fc.string({ minLength: 101, maxLength: 105 }), fc.jsonValue()), weight: 1 },
        ),
        cwd: fc.oneof(
          { arbitrary: fc.constantFrom(fuzzRoot, `${fuzzRoot}/projects`, `${fuzzRoot}/projects/web/`, `${fuzzRoot}/.hidden`), weight: 3 },
          { arbitrary: anyPath, weight: 2 },
          { arbitrary: fc.jsonValue(), weight: 1 },
        ),
        extra: fc.jsonValue(),
      },
      { requiredKeys: [] },
    ).map(({ extra, ...body }) => (extra === null ? { ...body, extra } : body));
    await fc.assert(
      fc.asyncProperty(shaped, async (body) => {
        casesRun += 1;
        const reply = await post(server, JSON.stringify(body));
        expectCreatedOrRefused(reply);
        if (reply.status === 201) expect((JSON.parse(reply.text) as Session).cwd.startsWith(fuzzRoot)).toBe(true);
      }),
      { numRuns: RUNS.shaped },
    );
    expect(spawned - spawnedBefore).toBeGreaterThan(RUNS.shaped / 10);
    expect(server.manager.liveCount).toBe(0);
  });

  it('answers arbitrary text sent as JSON, in any charset, with 201 or the error envelope', async () => {
    const server = await fuzzServer();
    const body = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ maxLength: 300 }),
      // Valid JSON cut short, or with a tail.
      fc.tuple(fc.jsonValue(), fc.nat(), text).map(([value, cut, tail]) => {
        const json = JSON.stringify(value) ?? 'null';
        return json.slice(0, cut % (json.length + 1)) + (cut % 2 ? tail : '');
      }),
      fc.constantFrom('', ' ', '{', '{"command":', '[]', '"\\ud800"', '{"__proto__":{"command":["x"]}}', '{"command":["x"],"command":1}'),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=UTF-16',
      'application/json; charset=latin1',
      'application/vnd.api+json',
      'application/json; boundary=x',
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, async (raw, type) => {
        casesRun += 1;
        expectCreatedOrRefused(await post(server, raw, type));
      }),
      { numRuns: RUNS.raw },
    );
    expect(server.manager.liveCount).toBe(0);
  });
});

/**
 * Characters of a request path sent as they are, `%` included (so malformed escapes too). Not
 * raw bytes over 0x7F: Node's HTTP parser answers those itself, before the app, with a bare 400.
 */
const PATH_CHARS = [...'abcXYZ019-._~!$&\'()*+,;=:@%'];
const rawSegment = fc.array(fc.constantFrom(...PATH_CHARS), { minLength: 1, maxLength: 20 }).map((chars) => chars.join(''));
const encodedSegment = text.filter((s) => s.length > 0).map((s) => encodeURIComponent(wellFormed(s)));
const byteSegment = fc.uint8Array({ minLength: 1, maxLength: 12 }).map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));

describe('routes with arbitrary parameters', () => {
  it('answers GET and DELETE /api/sessions/:id with 404 not_found for any unknown id', async () => {
    const server = await fuzzServer();
    const existing = await post(server, '{"command":["x"]}');
    expect(existing.status).toBe(201);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'DELETE'), fc.oneof(rawSegment, encodedSegment, byteSegment), async (method, segment) => {
        casesRun += 1;
        const reply = await sendPath(server, method, `/api/sessions/${segment}`);
        expectWellFormed(reply);
        expect([reply.status, (JSON.parse(reply.text) as { error: { code: string } }).error.code]).toEqual([404, 'not_found']);
      }),
      { numRuns: RUNS.ids },
    );
    expect((await sendJson<Session>(`${server.url}/api/sessions/${(JSON.parse(existing.text) as Session).id}`, 'GET')).status).toBe(200);
  });

  it('answers GET /api/fs/dirs?path= with a listing inside FS_ROOT or the error envelope, never a 5xx', async () => {
    const server = await fuzzServer();
    const query = fc.oneof(
      anyPath.map((path) => `path=${encodeURIComponent(wellFormed(path))}`),
      fc.oneof(rawSegment, byteSegment).map((value) => `path=${value}`),
      fc.tuple(anyPath, anyPath).map(([a, b]) => `path=${encodeURIComponent(wellFormed(a))}&path=${encodeURIComponent(wellFormed(b))}`),
      fc.constantFrom('path', 'path=', 'path[]=/', 'path[a]=/', '%70ath=/', 'path=%', 'path=%zz'),
    );
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        casesRun += 1;
        const reply = await sendPath(server, 'GET', `/api/fs/dirs?${q}`);
        expectWellFormed(reply);
        statuses.add(reply.status);
        if (reply.status === 200) {
          const listing = JSON.parse(reply.text) as { path: string; dirs: string[] };
          expect(listing.path === fuzzRoot || listing.path.startsWith(`${fuzzRoot}/`)).toBe(true);
        }
      }),
      { numRuns: RUNS.dirs },
    );
    expect([...statuses].sort((a, b) => a - b)).toEqual([200, 400, 403, 404]);
  });
});

/** A header value Node will send: tab, printable ASCII and bytes 0x80–0xFF (UTF-8 arrives as those). */
const headerValue = fc.oneof(
  fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(9)).map((c) => String.fromCharCode(c)) }),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => Buffer.from(s, 'utf8').toString('latin1')),
);

/** A server with five events, the ids a client can have seen (the snapshot's and each event's) and its list. */
async function resumeServer() {
  const server = await fuzzServer();
  const first = await openStream(`${server.url}/api/sse/sessions`);
  const snapshot = await first.next((frame) => frame.event === 'snapshot');
  for (let i = 0; i < 5; i++) await post(server, `{"command":["x${i}"],"name":"session ${i}"}`);
  await first.next((frame) => frame.event === 'session_created' && frame.data?.includes('"session 4"') === true);
  const ids = [snapshot.id as string, ...first.frames.filter((f) => f.event === 'session_created').map((f) => f.id as string)];
  first.close();
  const list = (await sendJson<SessionListResponse>(`${server.url}/api/sessions`, 'GET')).body;
  expect(ids).toHaveLength(6);
  expect(list.lastEventId).toBe(ids[5]);
  const expected = { replayed: 0, unknown: 0 };

  /** Opens a stream and checks that it starts with exactly the replay or the snapshot `sentId` calls for. */
  async function expectStart(headers: Record<string, string>, query: string | undefined, sentId: string | undefined): Promise<void> {
    casesRun += 1;
    const url = `${server.url}/api/sse/sessions${query === undefined ? '' : `?lastEventId=${encodeURIComponent(query)}`}`;
    const stream = await openStream(url, headers);
    const known = sentId === undefined ? -1 : ids.indexOf(sentId);
    const replay = known >= 0 ? ids.slice(known + 1) : [];
    if (known >= 0) expected.replayed += 1;
    else if (sentId !== undefined) expected.unknown += 1;
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      // The opening is one write: once its last frame is in, all of it is.
      await stream.next(() => true, { from: known >= 0 ? replay.length : 1 });
      const frames: Frame[] = stream.frames;
      expect(frames[0]?.raw).toBe('retry: 2000\n\n');
      if (known >= 0) {
        expect(frames.slice(1).map((f) => [f.event, f.id])).toEqual(replay.map((id) => ['session_created', id]));
      } else {
        expect(frames.slice(1).map((f) => [f.event, f.id])).toEqual([['snapshot', list.lastEventId]]);
        expect((JSON.parse(frames[1]?.data ?? '') as { sessions: Session[] }).sessions).toEqual(list.sessions);
      }
    } finally {
      stream.close();
    }
  }

  const epoch = (ids[0] as string).replace(/-0$/, '');
  const idLike = fc.oneof(
    headerValue,
    fc.constantFrom(...ids),
    fc.tuple(fc.constantFrom(ids[0] as string, ids[5] as string), headerValue, fc.boolean()).map(([id, noise, before]) => (before ? noise + id : id + noise)),
    fc.oneof(fc.integer({ min: -2, max: 12 }), fc.maxSafeNat(), fc.constantFrom('00', '01', '1e3', '0x2', ' 3', '9'.repeat(20))).map((n) => `${epoch}-${n}`),
  );
  return { server, expectStart, expected, idLike };
}

describe('resuming with arbitrary ids', () => {
  it('starts a stream with the exact replay or a snapshot for any Last-Event-ID header', async () => {
    const { server, expectStart, expected, idLike } = await resumeServer();
    await fc.assert(
      fc.asyncProperty(idLike, async (value) => {
        // Node's parser drops the spaces and tabs around a header value; an empty one is no id.
        const sent = value.replace(/^[ \t]+|[ \t]+$/g, '') || undefined;
        await expectStart({ 'Last-Event-ID': value }, undefined, sent);
      }),
      { numRuns: RUNS.header },
    );
    expect(server.broker.stats()).toMatchObject({ resumesReplayed: expected.replayed, resumesUnknownId: expected.unknown });
    expect(expected.replayed).toBeGreaterThan(0);
    expect(expected.unknown).toBeGreaterThan(0);
  });

  it('starts a stream with the exact replay or a snapshot for any ?lastEventId= value', async () => {
    const { server, expectStart, expected, idLike } = await resumeServer();
    await fc.assert(
      fc.asyncProperty(fc.oneof(idLike, fc.string({ unit: 'binary', maxLength: 40 }).map(wellFormed)), async (query) => {
        await expectStart({}, query, query || undefined);
      }),
      { numRuns: RUNS.query },
    );
    expect(server.broker.stats()).toMatchObject({ resumesReplayed: expected.replayed, resumesUnknownId: expected.unknown });
    expect(expected.replayed).toBeGreaterThan(0);
    expect(expected.unknown).toBeGreaterThan(0);
    await waitFor(() => (server.broker.connectionCount === 0 ? true : undefined));
  });
});
