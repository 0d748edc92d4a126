import type { Session } from '@sessionboard/protocol';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterRequestError, ClusterRequests } from '../src/cluster/ClusterRequests.ts';
import { clusterKeys } from '../src/cluster/clusterKeys.ts';
import { clusterScripts } from '../src/cluster/clusterScripts.ts';
import { RedisConnections } from '../src/cluster/RedisConnections.ts';
import { RedisEngine } from '../src/cluster/RedisEngine.ts';
import { changeEventData } from '../src/sessions/SessionBroadcaster.ts';
import { waitFor } from './helpers.ts';
import { startRedis, stopRedises, type RedisServer } from './redisServer.ts';

const logger = pino({ level: 'silent' });
const keys = clusterKeys();
const open: RedisConnections[] = [];

afterEach(async () => {
  for (const connections of open.splice(0)) connections.close();
  await stopRedises();
});

async function connect(redis: RedisServer, name: string): Promise<RedisConnections> {
  const connections = new RedisConnections({ url: redis.url, name, logger });
  open.push(connections);
  await connections.connect();
  return connections;
}

async function startEngine(redis: RedisServer, name: string, replayEvents = 10) {
  const connections = await connect(redis, name);
  const resets: string[] = [];
  const engine = new RedisEngine({ connections, keys, replayEvents, logger });
  engine.log.listen({ event: () => {}, reset: () => resets.push(engine.log.lastId) });
  await engine.start();
  return { connections, engine, resets };
}

function session(id: string, fields: Partial<Session> = {}): Session {
  const at = '2026-01-01T00:00:00.000Z';
  return { id, name: 'sleep', command: ['sleep', '9'], cwd: '/tmp', status: 'running', instance: 'a:1', pid: 1, exitCode: null, signal: null, error: null, createdAt: at, updatedAt: at, endedAt: null, ...fields };
}

describe('RedisEngine writing', () => {
  it('applies a change once however often it is sent, by its seq', async () => {
    const redis = await startRedis();
    const { engine, connections } = await startEngine(redis, 'a:1');
    const args = (seq: number) => [engine.log.epoch, seq, 'tick', '', '', '{}', 1000, 60_000];
    const run = async (seq: number) => (await clusterScripts.apply.run(connections.commands, [keys.epoch, keys.sessions, keys.events, keys.applied('run1')], args(seq))) as string[];

    expect((await run(1))[0]).toBe('ok');
    expect(await run(1)).toEqual(['done']);
    expect((await run(2))[0]).toBe('ok');
    expect(await run(1)).toEqual(['done']);
    expect(await connections.commands.xlen(keys.events)).toBe(2);
  });

  it('refuses a change meant for another dataset (Redis lost its data meanwhile)', async () => {
    const redis = await startRedis();
    const { connections } = await startEngine(redis, 'a:1');
    const reply = await clusterScripts.apply.run(connections.commands, [keys.epoch, keys.sessions, keys.events, keys.applied('run1')], ['not-the-epoch', 1, 'tick', '', '', '{}', 1000, 60_000]);
    expect(reply).toEqual(['epoch']);
  });

  it('makes a compare-and-set change once when two instances try it at the same time', async () => {
    const redis = await startRedis();
    const a = await startEngine(redis, 'a:1');
    const b = await startEngine(redis, 'b:1');
    a.engine.submit('session_created', changeEventData('session_created', session('s1', { instance: 'c:1' }), 1));
    await a.engine.settled(2000);
    await waitFor(() => b.engine.registry.get('s1'));
    const lost = (engine: RedisEngine) => {
      const expected = engine.registry.get('s1') as Session;
      const changed = { ...expected, status: 'lost' as const };
      return engine.compareAndChange([{ expected, name: 'session_updated', session: changed, data: changeEventData('session_updated', changed, 2) }], { instance: 'c:1', aliveWithinMs: 1000 });
    };

    const results = await Promise.all([lost(a.engine), lost(b.engine)]);

    expect(results.sort()).toEqual([0, 1]);
    expect(await a.connections.commands.xlen(keys.events)).toBe(2);
  });

  it('refuses to mark an instance dead that Redis heard recently', async () => {
    const redis = await startRedis();
    const a = await startEngine(redis, 'a:1');
    await clusterScripts.beat.run(a.connections.commands, [keys.instances], ['c:1', keys.beats, '{}']);
    const expected = session('s1', { instance: 'c:1' });
    expect(await a.engine.compareAndChange([{ expected, name: 'session_updated', session: expected, data: '{}' }], { instance: 'c:1', aliveWithinMs: 10_000 })).toBe('alive');
  });
});

describe('RedisEngine reading', () => {
  it('loads again, and has its streams ended, when the stream has a gap', async () => {
    const redis = await startRedis();
    const a = await startEngine(redis, 'a:1');
    a.engine.submit('tick', '1');
    await a.engine.settled(2000);

    const foreign = await a.connections.commands.xadd(keys.events, '*', 'e', 'tick', 'd', '2', 'p', '1-1');

    await waitFor(() => (a.resets.length === 1 ? true : undefined));
    expect(a.engine.log.lastStreamId).toBe(foreign);
    expect(a.resets).toEqual([`${a.engine.log.epoch}-${foreign}`]);
  });

  it('loads the registry and the stream\'s last entries together at start', async () => {
    const redis = await startRedis();
    const a = await startEngine(redis, 'a:1', 3);
    for (let i = 1; i <= 5; i++) a.engine.submit('session_created', changeEventData('session_created', session(`s${i}`), i));
    await a.engine.settled(2000);

    const b = await startEngine(redis, 'b:1', 3);

    expect(b.engine.log.lastId).toBe(a.engine.log.lastId);
    expect(b.engine.log.size).toBe(3);
    expect(b.engine.registry.list().map((s) => s.id)).toEqual(['s1', 's2', 's3', 's4', 's5']);
    expect(b.engine.log.after(a.engine.log.lastId)).toEqual([]);
  });
});

describe('ClusterRequests', () => {
  it('answers a request with the handler\'s reply, and fails fast for an instance nobody runs', async () => {
    const redis = await startRedis();
    const a = new ClusterRequests({ connections: await connect(redis, 'a:1'), keys, instance: 'a:1', logger });
    const b = new ClusterRequests({ connections: await connect(redis, 'b:1'), keys, instance: 'b:1', logger });
    b.handle('stop', ({ id, signal }) => ({ session: session(id, { status: 'stopping', signal }) }));
    await Promise.all([a.start(), b.start()]);

    expect(await a.request('b:1', 'stop', { id: 's1', signal: 'SIGKILL' }, 2000)).toMatchObject({ session: { id: 's1', status: 'stopping', signal: 'SIGKILL' } });
    await expect(a.request('nobody:1', 'stop', { id: 's1', signal: 'SIGTERM' }, 2000)).rejects.toMatchObject({ reason: 'unreachable' });
  });

  it('fails with the handler\'s error, and with timeout when no answer comes', async () => {
    const redis = await startRedis();
    const a = new ClusterRequests({ connections: await connect(redis, 'a:1'), keys, instance: 'a:1', logger });
    const b = new ClusterRequests({ connections: await connect(redis, 'b:1'), keys, instance: 'b:1', logger });
    b.handle('stop', () => {
      throw new Error('no such session here');
    });
    await Promise.all([a.start(), b.start()]);
    await expect(a.request('b:1', 'stop', { id: 's1', signal: 'SIGTERM' }, 2000)).rejects.toEqual(new ClusterRequestError('failed', 'no such session here'));

    b.handle('stop', () => new Promise(() => {}));
    await expect(a.request('b:1', 'stop', { id: 's1', signal: 'SIGTERM' }, 300)).rejects.toMatchObject({ reason: 'timeout' });
  });
});
