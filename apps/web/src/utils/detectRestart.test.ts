import { describe, expect, it } from 'vitest';
import { createSessionsState, reduceSessionsState } from '@sessionboard/client';
import type { SessionsMessage, SessionsState } from '@sessionboard/client';
import { session } from '../testing/fakeBackend.ts';
import { detectRestart } from './detectRestart.ts';

const a = session({ id: 'a' });
const b = session({ id: 'b', status: 'exited', exitCode: 0, pid: null });
const fresh = session({ id: 'z', createdAt: '2025-01-01T13:10:00.000Z' });

function snapshot(sessions: ReturnType<typeof session>[], lastEventId: string | null, at = 5000): SessionsMessage {
  return { type: 'snapshot', sessions, lastEventId, heartbeatMs: 30_000, at };
}

function check(previous: SessionsState, message: SessionsMessage) {
  return detectRestart(previous, reduceSessionsState(previous, message), message);
}

const synced = reduceSessionsState(createSessionsState(), snapshot([a, b], 'old-7', 1000));

describe('detectRestart', () => {
  it('reports a snapshot under a new cursor that keeps none of the sessions', () => {
    expect(check(synced, snapshot([fresh], 'new-1'))).toEqual({ at: 5000, gone: 2 });
    expect(check(synced, snapshot([], 'new-0', 7000))).toEqual({ at: 7000, gone: 2 });
  });

  it('does not report the first list', () => {
    expect(check(createSessionsState(), snapshot([a], 'e1'))).toBeNull();
  });

  it('does not report a snapshot that keeps a known session', () => {
    expect(check(synced, snapshot([b, fresh], 'old-90'))).toBeNull();
  });

  it('does not report a poll that brings nothing new', () => {
    expect(check(synced, snapshot([a, b], 'old-7'))).toBeNull();
  });

  it('does not report an empty list replaced', () => {
    const empty = reduceSessionsState(createSessionsState(), snapshot([], 'old-1'));
    expect(check(empty, snapshot([fresh], 'new-1'))).toBeNull();
  });

  it('does not report changes, however many sessions they remove', () => {
    const removal: SessionsMessage = { type: 'change', event: { type: 'session_removed', session: a, at: 1 }, id: 'old-8', at: 2000 };
    const afterA = reduceSessionsState(synced, removal);
    expect(detectRestart(synced, afterA, removal)).toBeNull();
    const gone: SessionsMessage = { type: 'remove', id: 'b' };
    expect(detectRestart(afterA, reduceSessionsState(afterA, gone), gone)).toBeNull();
  });
});
