import type { Session } from '@sessionboard/protocol';
import { describe, expect, it } from 'vitest';
import { allEnded, converged, eventually, list, sessionOn } from './clusterHelpers.ts';
import { listen, openStream, send, sendJson, type TestServer } from './helpers.ts';
import { useRedisCluster } from './useRedisCluster.ts';

const STREAM = '/api/sse/sessions';
const cluster = useRedisCluster();
const { create } = cluster;

describe('one cluster of two instances', () => {
  it('lists every instance\'s sessions on both, under the same last event id, each with its instance', async () => {
    const a = await cluster.start('a:1');
    const b = await cluster.start('b:1');
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
    const a = await cluster.start('a:1');
    const b = await cluster.start('b:1');
    for (let i = 0; i < 5; i++) {
      const session = await create(a, ['true']);
      const seen = await sendJson<Session>(`${b.url}/api/sessions/${session.id}`, 'GET');
      expect(seen.status).toBe(200);
      expect((await list(b)).sessions.map((s) => s.id)).toContain(session.id);
    }
  });

  it('streams the same events in the same order under the same ids on both', async () => {
    const a = await cluster.start('a:1');
    const b = await cluster.start('b:1');
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
    const a = await cluster.start('a:1');
    await cluster.start('b:1');

    const health = await sendJson(`${a.url}/api/health`, 'GET');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', redis: 'up', instance: 'a:1' });
    const metrics = await eventually(async () => {
      const text = (await send(`${a.url}/metrics`)).text;
      return /^cluster_instances 2$/m.test(text) ? text : undefined;
    });
    expect(metrics).toMatch(/^redis_up 1$/m);
  });
});

describe('resuming on another instance', () => {
  it('replays exactly the events after an id from another instance, with the same ids and no snapshot', async () => {
    const a = await cluster.start('a:1');
    const b = await cluster.start('b:1');
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
    const a = await cluster.start('a:1');
    const b = await cluster.start('b:1');
    const c = await cluster.start('c:1');
    const { lastEventId } = await list(a);
    const session = await create(b, ['sh', '-c', 'exit 4']);

    const stream = await openStream(`${c.url}${STREAM}?lastEventId=${encodeURIComponent(lastEventId)}`);
    const exited = await stream.next((frame) => frame.event === 'session_updated');

    expect(stream.frames.map((frame) => frame.event ?? 'retry')).toEqual(['retry', 'session_created', 'session_updated']);
    expect(JSON.parse(exited.data ?? '')).toMatchObject({ session: { id: session.id, status: 'exited', exitCode: 4, instance: 'b:1' } });
  });

  it('sends a snapshot for an id outside the replay window kept in Redis, and for an id of a single server', async () => {
    const a = await cluster.start('a:1', { SSE_REPLAY_EVENTS: '2' });
    const b = await cluster.start('b:1', { SSE_REPLAY_EVENTS: '2' });
    const { lastEventId } = await list(a);
    await create(a, ['true']);
    await create(a, ['true']);
    // Four events: two created, two exited.
    const now = await converged([a, b], 10_000, allEnded);

    for (const id of [lastEventId, 'mfx1a2b3-12']) {
      const stream = await openStream(`${b.url}${STREAM}`, { 'Last-Event-ID': id });
      const snapshot = await stream.next((frame) => frame.event === 'snapshot');
      expect(snapshot.id).toBe(now.lastEventId);
      expect(JSON.parse(snapshot.data ?? '').sessions).toEqual(now.sessions);
    }
    expect(b.broker.stats().resumesUnknownId).toBe(2);
  });
});

describe('changes from any instance', () => {
  it('stops a session from another instance: 202 stopping, and the instance that runs it sends SIGTERM', async () => {
    const a = await cluster.start('a:1');
    const b = await cluster.start('b:1');
    const session = await create(a, ['sleep', '30']);

    const stopping = await sendJson<Session>(`${b.url}/api/sessions/${session.id}`, 'DELETE');

    expect(stopping.status).toBe(202);
    expect(stopping.body).toMatchObject({ id: session.id, status: 'stopping', instance: 'a:1' });
    const exited = await sessionOn(b, session.id, (s) => s.status === 'exited');
    expect(exited.signal).toBe('SIGTERM');
    expect(a.manager.get(session.id)?.status).toBe('exited');
  });

  it('kills a process that ignores SIGTERM after the grace period of the instance that runs it', async () => {
    const a = await cluster.start('a:1', { KILL_GRACE_MS: '300' });
    const b = await cluster.start('b:1');
    const session = await create(a, ['sh', '-c', "trap '' TERM; sleep 30"]);
    await converged([a, b]);
    // Time for the shell to set its trap.
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect((await sendJson(`${b.url}/api/sessions/${session.id}`, 'DELETE')).status).toBe(202);

    expect((await sessionOn(a, session.id, (s) => s.status === 'exited')).signal).toBe('SIGKILL');
  });

  it('removes an ended session from any instance, and the instance that ran it forgets it', async () => {
    const a = await cluster.start('a:1');
    const b = await cluster.start('b:1');
    const session = await create(a, ['true']);
    await sessionOn(b, session.id, (s) => s.status === 'exited');
    const watcher = listen(`${a.url}${STREAM}`);
    await watcher.waitForCount(1);

    const removed = await send(`${b.url}/api/sessions/${session.id}`, { method: 'DELETE' });

    expect(removed.status).toBe(204);
    const [, event] = await watcher.waitForCount(2);
    expect(event).toMatchObject({ event: 'session_removed', data: { session: { id: session.id, status: 'exited' } } });
    expect(a.manager.get(session.id)).toBeUndefined();
    expect((await list(a)).sessions).toEqual([]);
    expect((await send(`${a.url}/api/sessions/${session.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('answers 404 on every instance for a session no instance has', async () => {
    const a = await cluster.start('a:1');
    expect((await send(`${a.url}/api/sessions/nope`, { method: 'DELETE' })).status).toBe(404);
    expect((await send(`${a.url}/api/sessions/nope`)).status).toBe(404);
  });
});

describe('shared limits and sign-ins', () => {
  it('counts the rate limit over every instance together', async () => {
    const a = await cluster.start('a:1', { RATE_LIMIT_PER_MINUTE: '5' });
    const b = await cluster.start('b:1', { RATE_LIMIT_PER_MINUTE: '5' });
    const statuses: number[] = [];
    for (const server of [a, b, a, b, a, b]) statuses.push((await send(`${server.url}/api/sessions`)).status);

    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = await send(`${a.url}/api/sessions`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('accepts a sign-in cookie from one instance on the other, and a logout on one ends it and its streams on both', async () => {
    const env = { AUTH_TOKEN: 'cluster-token-0123456789' };
    const a = await cluster.start('a:1', env);
    const b = await cluster.start('b:1', env);
    const login = await send(`${a.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: env.AUTH_TOKEN }),
    });
    expect(login.status).toBe(204);
    const cookie = String(login.headers['set-cookie']?.[0]).split(';')[0] as string;

    expect((await send(`${b.url}/api/sessions`, { headers: { Cookie: cookie } })).status).toBe(200);
    const status = await sendJson(`${b.url}/api/auth/status`, 'GET');
    expect(status.body).toEqual({ authRequired: true, authenticated: false });
    const streamOnB = await openStream(`${b.url}${STREAM}`, { Cookie: cookie });
    expect(streamOnB.status).toBe(200);
    const streamOnA = await openStream(`${a.url}${STREAM}`, { Cookie: cookie });
    expect(streamOnA.status).toBe(200);

    expect((await send(`${a.url}/api/auth/logout`, { method: 'POST', headers: { Cookie: cookie } })).status).toBe(204);

    await streamOnB.ended;
    await streamOnA.ended;
    expect((await send(`${b.url}/api/sessions`, { headers: { Cookie: cookie } })).status).toBe(401);
    expect((await send(`${a.url}/api/sessions`, { headers: { Cookie: cookie } })).status).toBe(401);
  });
});

describe('shared sign-in attempt limit', () => {
  it('counts wrong sign-ins to every instance together, per address', async () => {
    const env = { AUTH_TOKEN: 'cluster-token-0123456789' };
    const a = await cluster.start('a:1', env);
    const b = await cluster.start('b:1', env);
    const attempt = (server: TestServer, token: string) =>
      send(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await attempt(i % 2 === 0 ? a : b, 'wrong-token-0123456789')).status);

    expect(statuses).toEqual(Array(10).fill(401));
    const refused = await attempt(a, env.AUTH_TOKEN);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const bearer = await send(`${b.url}/api/sessions`, { headers: { Authorization: `Bearer ${env.AUTH_TOKEN}` } });
    expect(bearer.status).toBe(429);
  });
});

describe('leaving the cluster', () => {
  it('ends its sessions, publishes them, and is gone from the others\' count at once', async () => {
    const a = await cluster.start('a:1', { INSTANCE_TTL_MS: '60000' });
    const b = await cluster.start('b:1', { INSTANCE_TTL_MS: '60000' });
    const session = await create(b, ['sleep', '30']);
    await eventually(async () => ((await send(`${a.url}/metrics`)).text.includes('cluster_instances 2') ? true : undefined));

    await b.close();

    const ended = await sessionOn(a, session.id, (s) => s.status === 'exited');
    expect(ended.signal).toBe('SIGTERM');
    const metrics = await eventually(async () => {
      const text = (await send(`${a.url}/metrics`)).text;
      return text.includes('cluster_instances 1') ? text : undefined;
    }, 3000);
    expect(metrics).toMatch(/^redis_up 1$/m);
  });
});
