import type { Session } from '@sessionboard/protocol';
import { describe, expect, it } from 'vitest';
import { allEnded, converged, eventually, list, sessionOn } from './clusterHelpers.ts';
import { createSession, errorOf, listen, openStream, send, sendJson, waitFor } from './helpers.ts';
import { runMain } from './runMain.ts';
import { useRedisCluster } from './useRedisCluster.ts';

const STREAM = '/api/sse/sessions';
const TTL_MS = 2000;
const cluster = useRedisCluster();
const { create } = cluster;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('an instance killed with SIGKILL', () => {
  it('has its running and stopping sessions marked lost on the others within the TTL and a few seconds, once each', async () => {
    const a = await cluster.start('a:1', { INSTANCE_TTL_MS: String(TTL_MS) });
    const c = await cluster.start('c:1', { INSTANCE_TTL_MS: String(TTL_MS) });
    const b = await runMain({ REDIS_URL: cluster.redis.url, INSTANCE_NAME: 'b:1', INSTANCE_TTL_MS: String(TTL_MS), LOG_LEVEL: 'info', KILL_GRACE_MS: '60000', RATE_LIMIT_PER_MINUTE: '100000' });
    const bUrl = await waitFor(() => /"url":"(http:\/\/[^"]+)"/.exec(b.output())?.[1], 20_000, b.output);
    const running = await create(bUrl, ['sleep', '30']);
    const stopping = await create(bUrl, ['sh', '-c', "trap '' TERM; sleep 30"]);
    const ended = await create(bUrl, ['true']);
    const mine = await create(a, ['sleep', '30']);
    await sleep(300);
    expect((await sendJson(`${a.url}/api/sessions/${stopping.id}`, 'DELETE')).status).toBe(202);
    await converged([a, c, bUrl], 10_000, (l) => l.sessions.some((s) => s.id === ended.id && s.status === 'exited'));
    const watcher = listen(`${a.url}${STREAM}`);
    await watcher.waitForCount(1);

    b.child.kill('SIGKILL');
    const killedAt = Date.now();
    // Until it is judged dead, its live sessions cannot be stopped: nobody can send the signals.
    const refused = await send(`${a.url}/api/sessions/${running.id}`, { method: 'DELETE' });
    expect(refused.status).toBe(503);
    expect(errorOf(refused)).toMatchObject({ code: 'unavailable', message: expect.stringContaining('b:1') });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const lost = await eventually(async () => {
      const { sessions } = await list(c);
      const statuses = [running, stopping].map((s) => sessions.find((x) => x.id === s.id)?.status);
      return statuses.every((status) => status === 'lost') ? Date.now() - killedAt : undefined;
    }, TTL_MS + 8000);
    console.log(`kill -9 to lost: ${lost} ms with INSTANCE_TTL_MS=${TTL_MS}`);

    expect(lost).toBeLessThan(TTL_MS + 5000);
    const both = await converged([a, c]);
    const byId = new Map(both.sessions.map((s) => [s.id, s]));
    expect(byId.get(running.id)).toMatchObject({ status: 'lost', instance: 'b:1', pid: running.pid, exitCode: null });
    expect(byId.get(running.id)?.endedAt).not.toBeNull();
    expect(byId.get(ended.id)?.status).toBe('exited');
    expect(byId.get(mine.id)?.status).toBe('running');
    await sleep(TTL_MS);
    const lostEvents = watcher.events.filter((e) => e.data.session?.status === 'lost');
    expect(lostEvents.map((e) => e.data.session?.id).sort()).toEqual([running.id, stopping.id].sort());
    // An ended session of the dead instance can still be removed, from anywhere.
    expect((await send(`${c.url}/api/sessions/${running.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await list(a)).sessions.map((s) => s.id)).not.toContain(running.id);
  });
});

describe('Redis frozen with SIGSTOP for longer than the TTL', () => {
  it('marks nothing lost, keeps streams open, refuses changes with 503, and publishes the exits made meanwhile in order', async () => {
    const env = { INSTANCE_TTL_MS: String(TTL_MS), KILL_GRACE_MS: '200' };
    const a = await cluster.start('a:1', env);
    const b = await cluster.start('b:1', env);
    const longOnA = await create(a, ['sleep', '30']);
    const first = await create(b, ['sleep', '1']);
    const second = await create(b, ['sh', '-c', 'sleep 1.3; exit 5']);
    const stream = await openStream(`${a.url}${STREAM}`);
    await stream.next((frame) => frame.event === 'snapshot');

    cluster.redis.pause();
    for (const server of [a, b]) await eventually(async () => ((await send(`${server.url}/api/health`)).status === 503 ? true : undefined), 5000);
    const health = await sendJson(`${b.url}/api/health`, 'GET');
    expect(health.status).toBe(503);
    expect(health.body).toEqual({ status: 'unavailable', redis: 'down' });
    const refused = await createSession(a, { command: ['true'] });
    expect(refused.status).toBe(503);
    expect(errorOf(refused).code).toBe('unavailable');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await send(`${b.url}/api/sessions/${longOnA.id}`, { method: 'DELETE' })).status).toBe(503);
    const during = await list(b);
    expect(during.sessions.map((s) => s.status)).toEqual(['running', 'running', 'running']);
    await eventually(async () => (b.manager.get(second.id)?.status === 'exited' ? true : undefined), 5000);
    await sleep(2 * TTL_MS);
    const framesBefore = stream.frames.length;

    cluster.redis.resume();

    await converged([a, b], 10_000, (l) => l.sessions.filter((s) => s.status === 'exited').length === 2);
    const updates = stream.frames.slice(framesBefore).filter((frame) => frame.event === 'session_updated');
    const changes = updates.map((frame) => JSON.parse(frame.data ?? '') as { session: Session });
    expect(changes.map((c) => [c.session.id, c.session.status, c.session.exitCode])).toEqual([
      [first.id, 'exited', 0],
      [second.id, 'exited', 5],
    ]);
    await sleep(2 * TTL_MS);
    const after = await list(a);
    expect(after.sessions.find((s) => s.id === longOnA.id)?.status).toBe('running');
    expect(after.sessions.some((s) => s.status === 'lost')).toBe(false);
    expect(stream.frames.some((frame) => frame.event === 'session_updated' && frame.data?.includes('"lost"'))).toBe(false);
    expect((await sendJson(`${a.url}/api/health`, 'GET')).body).toMatchObject({ status: 'ok', redis: 'up' });
  });
});

describe('Redis restarted', () => {
  it('empty: every instance republishes its sessions, streams end, and clients resume to the rebuilt list', async () => {
    const a = await cluster.start('a:1', { INSTANCE_TTL_MS: String(TTL_MS) });
    const b = await cluster.start('b:1', { INSTANCE_TTL_MS: String(TTL_MS) });
    const onA = await create(a, ['sleep', '30']);
    const onB = await create(b, ['sleep', '30']);
    const endedOnB = await create(b, ['true']);
    const before = await converged([a, b], 10_000, (l) => l.sessions.some((s) => s.id === endedOnB.id && s.status === 'exited'));
    const client = listen(`${b.url}${STREAM}`);
    await client.waitForCount(1);

    await cluster.redis.restart({ keepData: false });
    // Meanwhile and after: changes on both instances.
    const later = await eventually(async () => {
      const reply = await createSession(a, { command: ['true'] });
      return reply.status === 201 ? reply.body : undefined;
    });
    cluster.track(later);

    const rebuilt = await converged([a, b], 15_000, (l) => l.sessions.length === 4 && allEnded({ sessions: l.sessions.filter((s) => s.id !== onA.id && s.id !== onB.id), lastEventId: '' }));
    expect(rebuilt.lastEventId.split('-')[0]).not.toBe(before.lastEventId.split('-')[0]);
    expect(rebuilt.sessions.map((s) => s.id).sort()).toEqual([onA.id, onB.id, endedOnB.id, later.id].sort());
    expect(rebuilt.sessions.find((s) => s.id === endedOnB.id)).toEqual(before.sessions.find((s) => s.id === endedOnB.id));
    // The client's stream was ended; it resumed with its old id, which is unknown now: a snapshot.
    await waitFor(() => {
      const snapshots = client.events.filter((e) => e.event === 'snapshot');
      const current = client.events.filter((e) => e.event !== 'ping').at(-1);
      return snapshots.length >= 2 && current?.id === rebuilt.lastEventId ? true : undefined;
    }, 10_000, () => JSON.stringify(client.events.map((e) => `${e.event}@${e.id}`)));
    const old = await openStream(`${a.url}${STREAM}`, { 'Last-Event-ID': before.lastEventId });
    expect((await old.next((frame) => frame.event === 'snapshot')).id).toBe(rebuilt.lastEventId);
  });

  it('with its data: nothing is lost, and changes made while it was down arrive', async () => {
    const a = await cluster.start('a:1', { INSTANCE_TTL_MS: String(TTL_MS) });
    const b = await cluster.start('b:1', { INSTANCE_TTL_MS: String(TTL_MS) });
    await create(a, ['sleep', '30']);
    const exitsWhileDown = await create(b, ['sleep', '1']);
    const before = await converged([a, b]);
    const client = listen(`${a.url}${STREAM}`);
    await client.waitForCount(1);

    await cluster.redis.restart({ keepData: true, downMs: 1500 });

    const after = await converged([a, b], 15_000, (l) => l.sessions.find((s) => s.id === exitsWhileDown.id)?.status === 'exited');
    expect(after.lastEventId.split('-')[0]).toBe(before.lastEventId.split('-')[0]);
    expect(after.sessions.map((s) => s.id)).toEqual(before.sessions.map((s) => s.id));
    expect(after.sessions.some((s) => s.status === 'lost')).toBe(false);
    await waitFor(() => (client.events.at(-1)?.id === after.lastEventId ? true : undefined), 10_000);
    const seen = client.events.filter((e) => e.event === 'session_updated').map((e) => e.data.session?.id);
    expect(seen).toEqual([exitsWhileDown.id]);
  });
});

/** Starts `src/main.ts` as an instance of the cluster on this test's Redis; resolves with it and its URL. */
async function startMainInstance(name: string) {
  const main = await runMain({ REDIS_URL: cluster.redis.url, INSTANCE_NAME: name, INSTANCE_TTL_MS: String(TTL_MS), LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '100000' });
  const url = await waitFor(() => /"url":"(http:\/\/[^"]+)"/.exec(main.output())?.[1], 20_000, main.output);
  return { main, url };
}

describe('an instance that comes back', () => {
  /** `a` in this process and `b` as `src/main.ts` running `onB`, a sleep; `watcher` follows a's stream. */
  async function instanceWatchingMain() {
    const a = await cluster.start('a:1', { INSTANCE_TTL_MS: String(TTL_MS) });
    const { main: b, url: bUrl } = await startMainInstance('b:1');
    const onB = await create(bUrl, ['sleep', '30']);
    await converged([a, bUrl]);
    const watcher = listen(`${a.url}${STREAM}`);
    await watcher.waitForCount(1);
    return { a, b, bUrl, onB, watcher };
  }

  it('is not judged dead when Redis was gone longer than the TTL and it is heard again within a TTL of Redis coming back', async () => {
    const { a, b, bUrl, onB, watcher } = await instanceWatchingMain();

    // b freezes while Redis is down for longer than the TTL, and wakes a while after Redis is back.
    b.child.kill('SIGSTOP');
    await cluster.redis.restart({ keepData: true, downMs: TTL_MS + 1000 });
    await eventually(async () => ((await send(`${a.url}/api/health`)).status === 200 ? true : undefined), 10_000);
    await sleep(TTL_MS / 2);
    b.child.kill('SIGCONT');

    await sleep(2 * TTL_MS);
    expect((await converged([a, bUrl])).sessions.find((s) => s.id === onB.id)?.status).toBe('running');
    expect(watcher.events.some((e) => e.data.session?.status === 'lost')).toBe(false);
  });

  it('after being judged dead (frozen past the TTL) reasserts the true state of the sessions it still runs', async () => {
    const { a, b, bUrl, onB, watcher } = await instanceWatchingMain();

    b.child.kill('SIGSTOP');
    await sessionOn(a, onB.id, (s) => s.status === 'lost', TTL_MS + 8000);
    b.child.kill('SIGCONT');

    const back = await sessionOn(a, onB.id, (s) => s.status === 'running', 10_000);
    expect(back).toEqual(onB);
    expect(watcher.events.filter((e) => e.data.session?.id === onB.id).map((e) => e.data.session?.status)).toEqual(['lost', 'running']);
    expect((await converged([a, bUrl])).sessions.find((s) => s.id === onB.id)?.status).toBe('running');
    // Its process is really there, and can be stopped from the other instance.
    expect((await sendJson(`${a.url}/api/sessions/${onB.id}`, 'DELETE')).status).toBe(202);
    expect((await sessionOn(a, onB.id, (s) => s.status === 'exited')).signal).toBe('SIGTERM');
  });
});

describe('main in a cluster', () => {
  it('on SIGTERM ends its sessions, publishes them, leaves, and exits 0 within 10 s', async () => {
    const a = await cluster.start('a:1', { INSTANCE_TTL_MS: '60000' });
    const { main: b, url: bUrl } = await startMainInstance('b:1');
    const sessions = [await create(bUrl, ['sleep', '30']), await create(bUrl, ['sh', '-c', "trap '' TERM; sleep 30"])];
    await eventually(async () => ((await send(`${a.url}/metrics`)).text.includes('cluster_instances 2') ? true : undefined));
    await sleep(300);

    const signalledAt = Date.now();
    b.child.kill('SIGTERM');
    const { code } = await b.exited;

    expect(code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    const after = await list(a);
    expect(after.sessions.map((s) => [s.id, s.status])).toEqual(sessions.map((s) => [s.id, 'exited']));
    expect((await send(`${a.url}/metrics`)).text).toMatch(/^cluster_instances 1$/m);
  });

  it('waits for Redis before it listens, and still exits 0 on SIGTERM meanwhile', async () => {
    const port = cluster.redis.port;
    await cluster.redis.stop();
    const main = await runMain({ REDIS_URL: `redis://127.0.0.1:${port}`, INSTANCE_NAME: 'w:1', LOG_LEVEL: 'info' });
    await waitFor(() => (main.output().includes('redis unreachable; retrying') ? true : undefined), 20_000, main.output);
    await sleep(500);
    expect(main.output()).not.toContain('listening');

    main.child.kill('SIGTERM');

    expect((await main.exited).code).toBe(0);
  });
});
