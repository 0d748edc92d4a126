import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Session, SessionChangeEventName } from '@sessionboard/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpError } from '../http/HttpError.ts';
import { SessionManager, type SessionManagerOptions } from './SessionManager.ts';

class FakeChild extends EventEmitter {
  constructor(readonly pid: number | undefined) {
    super();
  }
}

interface Published {
  name: SessionChangeEventName;
  session: Session;
}

const T0 = Date.UTC(2030, 0, 1);
/** An existing directory: a spawn error is only blamed on the cwd when it is missing. */
const ROOT = tmpdir();

/** A manager over a fake spawner: `missing` fails with ENOENT, `throws` throws, anything else spawns. */
function setup(options: Partial<SessionManagerOptions> = {}) {
  const published: Published[] = [];
  const children: FakeChild[] = [];
  const kills: [number, NodeJS.Signals][] = [];
  /** Groups that still have members besides their (exited) leader. */
  const groups = new Set<number>();
  let ids = 0;
  let now = T0;
  const manager = new SessionManager({
    publish: (name, session) => published.push({ name, session }),
    fsRoot: ROOT,
    killGraceMs: 5000,
    spawn: (file) => {
      if (file === 'throws') throw new TypeError('The argument must be a string without null bytes');
      const child = new FakeChild(file === 'missing' ? undefined : 1000 + children.length);
      children.push(child);
      queueMicrotask(() => {
        if (file === 'missing') child.emit('error', Object.assign(new Error('spawn missing ENOENT'), { code: 'ENOENT' }));
        else child.emit('spawn');
      });
      return child;
    },
    kill: (pid, signal) => kills.push([pid, signal]),
    groupAlive: (pid) => groups.has(pid),
    groupPollMs: 100,
    createId: () => `s${++ids}`,
    now: () => now,
    ...options,
  });
  const events = () => published.map((p) => `${p.name}:${p.session.id}:${p.session.status}`);
  const tick = (ms: number) => (now += ms);
  return { manager, published, children, kills, groups, events, tick };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('starting', () => {
  it('resolves running with the pid once spawned, and publishes session_created', async () => {
    const { manager, published } = setup();

    const session = await manager.create({ command: ['/usr/bin/sleep', '30'] });

    expect(session).toEqual({
      id: 's1',
      name: 'sleep',
      command: ['/usr/bin/sleep', '30'],
      cwd: ROOT,
      status: 'running',
      instance: 'local',
      pid: 1000,
      exitCode: null,
      signal: null,
      error: null,
      createdAt: '2030-01-01T00:00:00.000Z',
      updatedAt: '2030-01-01T00:00:00.000Z',
      endedAt: null,
    });
    expect(published).toEqual([{ name: 'session_created', session }]);
    expect(manager.liveCount).toBe(1);
  });

  it('names a session after its command with control characters replaced, as a given name may have none', async () => {
    const { manager } = setup();

    const session = await manager.create({ command: ['/opt/bin/run\nnow\u001b[0m'] });

    expect(session.name).toBe('run\uFFFDnow\uFFFD[0m');
  });

  it('keeps a given name and cwd', async () => {
    const { manager } = setup();

    const session = await manager.create({ command: ['make'], name: 'build', cwd: '/srv/root/app' });

    expect(session).toMatchObject({ name: 'build', cwd: '/srv/root/app' });
  });

  it('resolves failed with the spawn error when the command is missing, and publishes it', async () => {
    const { manager, events } = setup();

    const session = await manager.create({ command: ['missing'] });

    expect(session).toMatchObject({ status: 'failed', pid: null, error: 'spawn missing ENOENT', endedAt: '2030-01-01T00:00:00.000Z' });
    expect(events()).toEqual(['session_created:s1:failed']);
    expect(manager.liveCount).toBe(0);
  });

  it('resolves failed when the spawner throws', async () => {
    const { manager } = setup();

    const session = await manager.create({ command: ['throws'] });

    expect(session).toMatchObject({ status: 'failed', error: 'The argument must be a string without null bytes' });
  });

  it('refuses with 429 too_many_sessions at the cap, counting sessions still starting', async () => {
    const { manager } = setup({ maxLive: 1 });

    const first = manager.create({ command: ['sleep'] });
    const second = manager.create({ command: ['sleep'] });

    await expect(second).rejects.toThrow(HttpError);
    await expect(second).rejects.toMatchObject({ status: 429, code: 'too_many_sessions' });
    await expect(first).resolves.toMatchObject({ status: 'running' });
  });
});

describe('exiting', () => {
  it('marks a session that exits by itself exited with its code', async () => {
    const { manager, children, events, tick } = setup();
    const session = await manager.create({ command: ['sh', '-c', 'exit 3'] });

    tick(1500);
    children[0]?.emit('exit', 3, null);

    expect(manager.get(session.id)).toMatchObject({
      status: 'exited',
      exitCode: 3,
      signal: null,
      updatedAt: '2030-01-01T00:00:01.500Z',
      endedAt: '2030-01-01T00:00:01.500Z',
    });
    expect(events()).toEqual(['session_created:s1:running', 'session_updated:s1:exited']);
    expect(manager.liveCount).toBe(0);
  });

  it('lets a session that exited be created again up to the cap', async () => {
    const { manager, children } = setup({ maxLive: 1 });
    await manager.create({ command: ['true'] });
    children[0]?.emit('exit', 0, null);

    await expect(manager.create({ command: ['true'] })).resolves.toMatchObject({ status: 'running' });
  });
});

describe('terminating', () => {
  it('sends SIGTERM to the process group, then SIGKILL once the grace period has passed', async () => {
    vi.useFakeTimers();
    const { manager, children, kills, events } = setup();
    const session = await manager.create({ command: ['sleep', '30'] });

    const stopping = manager.terminate(session.id);
    vi.advanceTimersByTime(4999);
    const killsBeforeGrace = [...kills];
    vi.advanceTimersByTime(1);
    children[0]?.emit('exit', null, 'SIGKILL');

    expect(stopping).toMatchObject({ status: 'stopping', pid: 1000 });
    expect(killsBeforeGrace).toEqual([[1000, 'SIGTERM']]);
    expect(kills).toEqual([
      [1000, 'SIGTERM'],
      [1000, 'SIGKILL'],
    ]);
    expect(manager.get(session.id)).toMatchObject({ status: 'exited', signal: 'SIGKILL', exitCode: null });
    expect(events()).toEqual(['session_created:s1:running', 'session_updated:s1:stopping', 'session_updated:s1:exited']);
  });

  it('sends no SIGKILL to a process that exits within the grace period', async () => {
    vi.useFakeTimers();
    const { manager, children, kills } = setup();
    const session = await manager.create({ command: ['sleep', '30'] });

    manager.terminate(session.id);
    children[0]?.emit('exit', null, 'SIGTERM');
    vi.advanceTimersByTime(10_000);

    expect(kills).toEqual([[1000, 'SIGTERM']]);
    expect(manager.get(session.id)).toMatchObject({ status: 'exited', signal: 'SIGTERM' });
  });

  it('keeps a session running while its group lives on after the leader exited, and ends it with the leader\'s code once the group is empty', async () => {
    vi.useFakeTimers();
    const { manager, children, groups, events } = setup();
    const session = await manager.create({ command: ['sh', '-c', 'sleep 3138 &'] });

    groups.add(1000);
    children[0]?.emit('exit', 0, null);
    vi.advanceTimersByTime(1000);
    const whileChildLives = manager.get(session.id);
    groups.delete(1000);
    vi.advanceTimersByTime(100);

    expect(whileChildLives).toMatchObject({ status: 'running', pid: 1000, exitCode: null, endedAt: null });
    expect(manager.liveCount).toBe(0);
    expect(manager.get(session.id)).toMatchObject({ status: 'exited', exitCode: 0, signal: null });
    expect(events()).toEqual(['session_created:s1:running', 'session_updated:s1:exited']);
  });

  it('stops a session whose leader has exited by signalling its group, SIGKILL after the grace period', async () => {
    vi.useFakeTimers();
    const { manager, children, groups, kills } = setup();
    const session = await manager.create({ command: ['sh', '-c', 'sleep 3138 &'] });
    groups.add(1000);
    children[0]?.emit('exit', 0, null);

    const stopping = manager.terminate(session.id);
    vi.advanceTimersByTime(5000);
    groups.delete(1000);
    vi.advanceTimersByTime(100);

    expect(stopping?.status).toBe('stopping');
    expect(kills).toEqual([
      [1000, 'SIGTERM'],
      [1000, 'SIGKILL'],
    ]);
    expect(manager.get(session.id)).toMatchObject({ status: 'exited', exitCode: 0 });
  });

  it('sends SIGKILL to the group after the grace period even when the leader exited on SIGTERM', async () => {
    vi.useFakeTimers();
    const { manager, children, groups, kills } = setup();
    const session = await manager.create({ command: ['sh', '-c', 'trap "" TERM; sleep 3134 & trap - TERM; exec sleep 3135'] });

    manager.terminate(session.id);
    groups.add(1000);
    children[0]?.emit('exit', null, 'SIGTERM');
    vi.advanceTimersByTime(4999);
    const stillStopping = manager.get(session.id)?.status;
    vi.advanceTimersByTime(1);
    groups.delete(1000);
    vi.advanceTimersByTime(100);

    expect(stillStopping).toBe('stopping');
    expect(kills).toEqual([
      [1000, 'SIGTERM'],
      [1000, 'SIGKILL'],
    ]);
    expect(manager.get(session.id)).toMatchObject({ status: 'exited', signal: 'SIGTERM' });
  });

  it('leaves a stopping session as it is when asked again', async () => {
    vi.useFakeTimers();
    const { manager, kills, events } = setup();
    const session = await manager.create({ command: ['sleep', '30'] });

    manager.terminate(session.id);
    const again = manager.terminate(session.id);

    expect(again?.status).toBe('stopping');
    expect(kills).toEqual([[1000, 'SIGTERM']]);
    expect(events()).toHaveLength(2);
  });

  it('returns undefined for an unknown id', () => {
    const { manager } = setup();

    expect(manager.terminate('nope')).toBeUndefined();
  });
});

describe('ended sessions', () => {
  it('removes an ended session with session_removed and refuses to remove a live one', async () => {
    const { manager, children, events } = setup();
    const ended = await manager.create({ command: ['true'] });
    const live = await manager.create({ command: ['sleep'] });
    children[0]?.emit('exit', 0, null);

    expect(manager.remove(live.id)).toBe(false);
    expect(manager.remove(ended.id)).toBe(true);
    expect(manager.remove(ended.id)).toBe(false);
    expect(manager.list().map((s) => s.id)).toEqual([live.id]);
    expect(events().at(-1)).toBe('session_removed:s1:exited');
  });

  it('forgets an ended session removed elsewhere without publishing, and refuses to forget a live one', async () => {
    const { manager, children, published } = setup({ keepEnded: 1 });
    const ended = await manager.create({ command: ['true'] });
    const live = await manager.create({ command: ['sleep'] });
    children[0]?.emit('exit', 0, null);
    const count = published.length;

    expect(manager.forget(live.id)).toBe(false);
    expect(manager.forget(ended.id)).toBe(true);
    expect(manager.forget(ended.id)).toBe(false);
    expect(manager.list().map((s) => s.id)).toEqual([live.id]);
    expect(published).toHaveLength(count);
    // Forgotten, it no longer counts against keepEnded: the next session to end is kept.
    children[1]?.emit('exit', 0, null);
    expect(manager.list().map((s) => s.id)).toEqual([live.id]);
  });

  it('keeps at most keepEnded ended sessions, removing the oldest to end', async () => {
    const { manager, children, events } = setup({ keepEnded: 2 });
    for (let i = 0; i < 4; i++) await manager.create({ command: ['true'] });
    await manager.create({ command: ['missing'] });

    for (const index of [2, 0, 3]) children[index]?.emit('exit', 0, null);

    // Ended in the order s5 (failed at once), s3, s1, s4; s2 still runs.
    expect(manager.list().map((s) => s.id)).toEqual(['s1', 's2', 's4']);
    expect(events().filter((e) => e.startsWith('session_removed'))).toEqual([
      'session_removed:s5:failed',
      'session_removed:s3:exited',
    ]);
  });
});

describe('shutdown', () => {
  it('terminates every live session and resolves once all have exited, SIGKILL after the grace given', async () => {
    vi.useFakeTimers();
    const { manager, children, kills } = setup();
    await manager.create({ command: ['sleep'] });
    await manager.create({ command: ['stubborn'] });
    let done = false;

    const shutdown = manager.shutdown(1000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    children[0]?.emit('exit', null, 'SIGTERM');
    await vi.advanceTimersByTimeAsync(1000);
    const doneBeforeExit = done;
    children[1]?.emit('exit', null, 'SIGKILL');
    await shutdown;

    expect(doneBeforeExit).toBe(false);
    expect(kills).toEqual([
      [1000, 'SIGTERM'],
      [1001, 'SIGTERM'],
      [1001, 'SIGKILL'],
    ]);
    expect(manager.liveCount).toBe(0);
    await expect(manager.create({ command: ['sleep'] })).rejects.toMatchObject({ code: 'too_many_sessions' });
  });

  it('resolves at once when nothing is live', async () => {
    const { manager } = setup();

    await expect(manager.shutdown()).resolves.toBeUndefined();
  });
});

describe('real processes', () => {
  it('kills a process group that ignores SIGTERM once the grace period has passed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sessionboard-trap-'));
    const ready = join(dir, 'ready');
    const published: Published[] = [];
    const manager = new SessionManager({
      publish: (name, session) => published.push({ name, session }),
      fsRoot: '/tmp',
      killGraceMs: 200,
    });
    const session = await manager.create({ command: ['sh', '-c', `trap '' TERM; touch ${ready}; sleep 30`] });
    expect(session.status).toBe('running');
    while (!existsSync(ready)) await new Promise((resolve) => setTimeout(resolve, 10));
    await rm(dir, { recursive: true });

    manager.terminate(session.id);
    await manager.shutdown();

    expect(manager.get(session.id)).toMatchObject({ status: 'exited', signal: 'SIGKILL', exitCode: null });
    expect(published.map((p) => p.session.status)).toEqual(['running', 'stopping', 'exited']);
    expect(() => process.kill(session.pid as number, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  it('fails a session whose cwd has vanished, saying so', async () => {
    const manager = new SessionManager({ publish: () => {}, fsRoot: '/tmp' });

    const session = await manager.create({ command: ['true'], cwd: '/tmp/sessionboard-no-such-dir' });

    expect(session.status).toBe('failed');
    expect(session.error).toBe('cwd /tmp/sessionboard-no-such-dir does not exist (spawn true ENOENT)');
  });
});

describe('killing at once', () => {
  it('sends SIGKILL to a running session at once, marking it stopping', async () => {
    vi.useFakeTimers();
    const { manager, kills, events } = setup();
    const session = await manager.create({ command: ['sleep', '30'] });

    const killed = manager.killNow(session.id);

    expect(killed).toMatchObject({ status: 'stopping', pid: 1000 });
    expect(kills).toEqual([[1000, 'SIGKILL']]);
    expect(events()).toEqual(['session_created:s1:running', 'session_updated:s1:stopping']);
  });

  it('sends SIGKILL to a stopping session before its grace is over, and no second one after', async () => {
    vi.useFakeTimers();
    const { manager, kills, events } = setup();
    const session = await manager.create({ command: ['sleep', '30'] });
    manager.terminate(session.id);

    manager.killNow(session.id);
    vi.advanceTimersByTime(10_000);

    expect(kills).toEqual([
      [1000, 'SIGTERM'],
      [1000, 'SIGKILL'],
    ]);
    expect(events()).toHaveLength(2);
  });

  it('leaves an ended session as it is, and answers undefined for an unknown id', async () => {
    const { manager, children, kills } = setup();
    const session = await manager.create({ command: ['true'] });
    children[0]?.emit('exit', 0, null);

    expect(manager.killNow(session.id)).toMatchObject({ status: 'exited' });
    expect(manager.killNow('nope')).toBeUndefined();
    expect(kills).toEqual([]);
  });
});

describe('output', () => {
  function withOutput(options: Partial<SessionManagerOptions> = {}) {
    const calls: string[] = [];
    const context = setup({
      output: {
        capture: (id, pipes) => calls.push(`capture:${id}:${pipes.stdout === undefined ? 'no pipes' : 'pipes'}`),
        processEnded: (id) => calls.push(`ended:${id}`),
        remove: (id) => calls.push(`remove:${id}`),
      },
      ...options,
    });
    return { ...context, calls };
  }

  it('hands each process to the output sink, and tells it of the end and the removal', async () => {
    const { manager, children, calls } = withOutput();
    const session = await manager.create({ command: ['echo', 'hi'] });

    children[0]?.emit('exit', 0, null);
    manager.remove(session.id);

    expect(calls).toEqual(['capture:s1:no pipes', 'ended:s1', 'remove:s1']);
  });

  it('tells the sink of a session forgotten because it was removed elsewhere', async () => {
    const { manager, children, calls } = withOutput();
    const session = await manager.create({ command: ['echo', 'hi'] });
    children[0]?.emit('exit', 0, null);

    manager.forget(session.id);

    expect(calls).toEqual(['capture:s1:no pipes', 'ended:s1', 'remove:s1']);
  });

  it('tells the sink a process that could not start has ended, and of sessions removed past keepEnded', async () => {
    const { manager, calls } = withOutput({ keepEnded: 1 });

    await manager.create({ command: ['throws'] });
    await manager.create({ command: ['missing'] });

    expect(calls).toEqual(['ended:s1', 'capture:s2:no pipes', 'ended:s2', 'remove:s1']);
  });

  it('pipes a real process to the sink when it has one', async () => {
    const captured: (string | null)[] = [];
    const manager = new SessionManager({
      publish: () => {},
      fsRoot: '/tmp',
      output: {
        capture: (_id, pipes) => {
          captured.push(pipes.stdout ? 'stdout' : null, pipes.stderr ? 'stderr' : null);
          pipes.stdout?.resume();
          pipes.stderr?.resume();
        },
        processEnded: () => {},
        remove: () => {},
      },
    });

    await manager.create({ command: ['echo', 'hi'] });
    await manager.shutdown();

    expect(captured).toEqual(['stdout', 'stderr']);
  });

  it('pipes nothing without a sink: a process printing more than a pipe holds still exits', async () => {
    const manager = new SessionManager({ publish: () => {}, fsRoot: '/tmp' });

    const session = await manager.create({ command: ['head', '-c', '1000000', '/dev/zero'] });
    await waitForEnd(manager, session.id);

    expect(manager.get(session.id)).toMatchObject({ status: 'exited', exitCode: 0 });
  });
});

async function waitForEnd(manager: SessionManager, id: string): Promise<void> {
  for (let i = 0; i < 500 && manager.get(id)?.status === 'running'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
}
