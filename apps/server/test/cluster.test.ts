import type { Session } from '@sessionboard/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { converged, eventually, killGroups, list, sessionOn, startInstance } from './clusterHelpers.ts';
import { closeAll, createSession, listen, openStream, send, sendJson, type TestServer } from './helpers.ts';
import { startRedis, stopRedises, type RedisServer } from './redisServer.ts';

const STREAM = '/api/sse/sessions';
let redis: RedisServer;
const started: Session[] = [];

beforeEach(async () => {
  redis = await startRedis();
});

afterEach(async () => {
  await closeAll();
  killGroups(started.splice(0));
  await stopRedises();
});

async function create(server: TestServer, command: string[]): Promise<Session> {
  const reply = await createSession(server, { command });
  expect(reply.status).toBe(201);
  started.push(reply.body);
  return reply.body;
}

describe('one cluster of two instances', () => {
  it('lists every instance\'s sessions on both, under the same last event id, each with its instance', async () => {
    const a = await startInstance(redis, 'a:1');
    const b = await startInstance(redis, 'b:1');
    const onA = await create(a, ['sleep', '30']);
    const onB = await create(b, ['sleep', '31']);

    const both = await converged([a, b]);
    expect(both.sessions.map((s) => [s.id, s.instance, s.status])).toEqual([
      [onA.id, 'a:1', 'running'],
      [onB.id, 'b:1', 'running'],
    ]);
    expect(both.lastEventId).toMatch(/^[a-z0-9]{12}-\d+-\d+$/);
    expect((await sendJson<Session>(`${b.url}/api/sessions/${onA.id}`, 'GET')).body).toEqual(both.sessions[0]);
  });

  it('reads a change made on one instance right away on the other', async () => {
    const a = await startInstance(redis, 'a:1');
    const b = await startInstance(redis, 'b:1');
    for (let i = 0; i < 5; i++) {
      const session = await create(a, ['true']);
      const seen = await sendJson<Session>(`${b.url}/api/sessions/${session.id}`, 'GET');
      expect(seen.status).toBe(200);
      expect((await list(b)).sessions.map((s) => s.id)).toContain(session.id);
    }
  });

  it('streams the same events in the same order under the same ids on both', async () => {
    const a = await startInstance(redis, 'a:1');
    const b = await startInstance(redis, 'b:1');
    const onA = listen(`${a.url}${STREAM}`);
    const onB = listen(`${b.url}${STREAM}`);
    await Promise.all([onA.waitForCount(1), onB.waitForCount(1)]);
    await create(a, ['true']);
    await create(b, ['sh', '-c', 'exit 3']);
    await create(a, ['no-such-command-here']);

    const [seenA, seenB] = await Promise.all([onA.waitForCount(6), onB.waitForCount(6)]);
    const shape = (events: typeof seenA) => events.map((e) => `${e.event}@${e.id}:${e.data.session?.status ?? '-'}`);
    expect(shape(seenA)).toEqual(shape(seenB));
    expect(seenA[0]?.id).toBe(seenB[0]?.id);
    expect(seenA.filter((e) => e.event === 'session_updated').map((e) => e.data.session?.exitCode).sort()).toEqual([0, 3]);
  });

  it('answers health with redis up and reports both instances and redis in metrics', async () => {
    const a = await startInstance(redis, 'a:1');
    await startInstance(redis, 'b:1');

    const health = await sendJson(`${a.url}/api/health`, 'GET');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok', redis: 'up' });
    const metrics = await eventually(async () => {
      const text = (await send(`${a.url}/metrics`)).text;
      return /^cluster_instances 2$/m.test(text) ? text : undefined;
    });
    expect(metrics).toMatch(/^redis_up 1$/m);
  });
});

describe('resuming on another instance', () => {
  it('replays exactly the events after an id from another instance, with the same ids and no snapshot', async () => {
    const a = await startInstance(redis, 'a:1');
    const b = await startInstance(redis, 'b:1');
    const watcher = listen(`${a.url}${STREAM}`);
    await watcher.waitForCount(1);
    const { lastEventId } = await list(a);
    await create(a, ['true']);
    await create(b, ['true']);
    const seen = await watcher.waitForCount(5);

    const resumed = await openStream(`${b.url}${STREAM}`, { 'Last-Event-ID': lastEventId });
    await resumed.next((frame) => frame.id === seen[4]?.id);

    expect(resumed.frames.map((frame) => frame.retry ?? `${frame.event}@${frame.id}`)).toEqual([2000, ...seen.slice(1).map((e) => `${e.event}@${e.id}`)]);
    expect(b.broker.stats().resumesReplayed).toBe(1);
  });

  it('resumes from GET /api/sessions lastEventId of one instance with ?lastEventId= on a third', async () => {
    const a = await startInstance(redis, 'a:1');
    const b = await startInstance(redis, 'b:1');
    const c = await startInstance(redis, 'c:1');
    const { lastEventId } = await list(a);
    const session = await create(b, ['sh', '-c', 'exit 4']);

    const stream = await openStream(`${c.url}${STREAM}?lastEventId=${encodeURIComponent(lastEventId)}`);
    const exited = await stream.next((frame) => frame.event === 'session_updated');

    expect(stream.frames.map((frame) => frame.event ?? 'retry')).toEqual(['retry', 'session_created', 'session_updated']);
    expect(JSON.parse(exited.data ?? '')).toMatchObject({ session: { id: session.id, status: 'exited', exitCode: 4, instance: 'b:1' } });
  });

  it('sends a snapshot for an id outside the replay window kept in Redis, and for an id of a single server', async () => {
    const a = await startInstance(redis, 'a:1', { SSE_REPLAY_EVENTS: '2' });
    const b = await startInstance(redis, 'b:1', { SSE_REPLAY_EVENTS: '2' });
    const { lastEventId } = await list(a);
    await create(a, ['true']);
    await create(a, ['true']);
    const now = await converged([a, b]);

    for (const id of [lastEventId, 'mfx1a2b3-12']) {
      const stream = await openStream(`${b.url}${STREAM}`, { 'Last-Event-ID': id });
      const snapshot = await stream.next((frame) => frame.event === 'snapshot');
      expect(snapshot.id).toBe(now.lastEventId);
      expect(JSON.parse(snapshot.data ?? '').sessions).toEqual(now.sessions);
    }
    expect(b.broker.stats().resumesUnknownId).toBe(2);
  });
});
