import { describe, expect, it } from 'vitest';
import type { Session } from '@sessionboard/protocol';
import { session } from '../testing/fakeBackend.ts';
import { sessionAlerts, summariseAlerts } from './sessionAlerts.ts';

const byId = (...sessions: Session[]) => Object.fromEntries(sessions.map((item) => [item.id, item]));

const running = session({ id: 'a', name: 'build' });

describe('sessionAlerts', () => {
  it.each([
    [{ status: 'failed', error: 'spawn mkae ENOENT' }, 'failed', 'build failed to start: spawn mkae ENOENT.'],
    [{ status: 'exited', exitCode: 2 }, 'exited', 'build exited with code 2.'],
    [{ status: 'lost' }, 'lost', 'build was lost: the server instance running it stopped answering.'],
  ] as const)('tells of a session that turns %o', (change, kind, text) => {
    const next = { ...running, pid: null, ...change };
    expect(sessionAlerts(byId(running), byId(next))).toEqual([{ id: 'a', name: 'build', kind, text }]);
  });

  it('tells of a new session that arrives failed', () => {
    const failed = session({ id: 'n', name: 'typo', status: 'failed', pid: null, error: null });
    expect(sessionAlerts({}, byId(failed)).map((alert) => alert.text)).toEqual(['typo failed to start.']);
  });

  it.each([
    ['a zero exit', { status: 'exited', exitCode: 0 }],
    ['an end by signal', { status: 'exited', signal: 'SIGTERM' }],
    ['stopping', { status: 'stopping' }],
  ] as const)('says nothing of %s', (_case, change) => {
    expect(sessionAlerts(byId(running), byId({ ...running, ...change }))).toEqual([]);
  });

  it('does not repeat a session already in that state', () => {
    const failed = { ...running, status: 'exited' as const, exitCode: 1, pid: null };
    expect(sessionAlerts(byId(failed), byId({ ...failed, updatedAt: '2025-01-01T11:00:00.000Z' }))).toEqual([]);
  });
});

describe('summariseAlerts', () => {
  const alerts = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, name: id, kind: 'exited' as const, text: `${id} exited with code 1.` }));

  it('says a single alert as it is', () => {
    expect(summariseAlerts(alerts.slice(0, 1))).toBe('a exited with code 1.');
  });

  it('says a burst in one message, naming the first few', () => {
    expect(summariseAlerts(alerts.slice(0, 2))).toBe('2 sessions need attention: a exited with code 1. b exited with code 1.');
    expect(summariseAlerts(alerts)).toBe(
      '5 sessions need attention: a exited with code 1. b exited with code 1. c exited with code 1. And 2 more.',
    );
  });
});
