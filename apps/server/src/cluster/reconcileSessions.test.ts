import type { Session } from '@sessionboard/protocol';
import { describe, expect, it } from 'vitest';
import { asLost, reconcileSessions, sameSession, type ReconcileInput } from './reconcileSessions.ts';

const AT = '2026-02-02T00:00:00.000Z';

function session(id: string, fields: Partial<Session> = {}): Session {
  return {
    id,
    name: 'sleep',
    command: ['sleep', '9'],
    cwd: '/tmp',
    status: 'running',
    instance: 'a:1',
    pid: 10,
    exitCode: null,
    signal: null,
    error: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    endedAt: null,
    ...fields,
  };
}

function reconcile(local: Session[], registry: Session[], options: Partial<ReconcileInput> = {}) {
  const held = new Map(registry.map((s) => [s.id, s]));
  return reconcileSessions({ self: 'a:1', local, registry: held, pending: () => false, fresh: false, at: AT, ...options });
}

describe('reconcileSessions', () => {
  it('changes nothing when the registry holds every local session as it is', () => {
    const sessions = [session('s1'), session('s2', { status: 'exited', exitCode: 0 })];
    expect(reconcile(sessions, [...sessions.map((s) => ({ ...s })), session('r1', { instance: 'b:1' })])).toEqual([]);
  });

  it('republishes every local session, live or ended, into a Redis that lost its data', () => {
    const live = session('s1');
    const ended = session('s2', { status: 'exited', exitCode: 0 });
    expect(reconcile([live, ended], [], { fresh: true })).toEqual([
      { type: 'publish', name: 'session_created', session: live },
      { type: 'publish', name: 'session_created', session: ended },
    ]);
  });

  it('republishes a live session the registry lost, and forgets an ended one someone removed', () => {
    const live = session('s1');
    expect(reconcile([live, session('s2', { status: 'exited' })], [])).toEqual([
      { type: 'publish', name: 'session_created', session: live },
      { type: 'forget', id: 's2' },
    ]);
  });

  it('reasserts the true state of a session the cluster marked lost while this instance was cut off', () => {
    const live = session('s1');
    expect(reconcile([live], [asLost(live, AT)])).toEqual([{ type: 'publish', name: 'session_updated', session: live }]);
  });

  it('marks lost the live sessions of a previous run under its name that it does not run', () => {
    const orphan = session('old', { instance: 'a:1', status: 'stopping' });
    const others = [session('b1', { instance: 'b:1' }), session('old2', { instance: 'a:1', status: 'exited' })];
    expect(reconcile([], [orphan, ...others])).toEqual([
      { type: 'publish', name: 'session_updated', session: { ...orphan, status: 'lost', updatedAt: AT, endedAt: AT } },
    ]);
  });

  it('leaves alone a session with a change still on its way', () => {
    const live = session('s1', { status: 'exited' });
    expect(reconcile([live], [session('s1')], { pending: (id) => id === 's1' })).toEqual([]);
    expect(reconcile([], [session('s9')], { pending: (id) => id === 's9' })).toEqual([]);
  });

  it('compares sessions field by field, whatever the key order', () => {
    const a = session('s1');
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(a).reverse()))) as Session;
    expect(sameSession(a, reordered)).toBe(true);
    expect(sameSession(a, { ...a, command: ['sleep', '8'] })).toBe(false);
    expect(sameSession(a, { ...a, pid: 11 })).toBe(false);
  });
});
