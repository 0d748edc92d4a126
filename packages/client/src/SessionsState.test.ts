import { describe, expect, it } from 'vitest';
import { session } from '../test/fakes.ts';
import { RECENT_EVENT_IDS, createSessionsState, reduceSessionsState } from './SessionsState.ts';
import type { SessionsState } from './SessionsState.ts';

const a = session({ id: 'a' });
const b = session({ id: 'b', name: 'top' });

function withSnapshot(): SessionsState {
  return reduceSessionsState(createSessionsState(), {
    type: 'snapshot',
    sessions: [a, b],
    lastEventId: 'e5',
    heartbeatMs: 30_000,
    at: 1000,
  });
}

describe('snapshot', () => {
  it('replaces every session and sets the cursor', () => {
    const before = reduceSessionsState(createSessionsState(), {
      type: 'snapshot',
      sessions: [session({ id: 'old' })],
      lastEventId: 'e1',
      heartbeatMs: null,
      at: 500,
    });
    const state = reduceSessionsState(before, { type: 'snapshot', sessions: [a, b], lastEventId: 'e5', heartbeatMs: 15_000, at: 1000 });
    expect(state.sessions).toEqual({ a, b });
    expect(state.lastEventId).toBe('e5');
    expect(state.lastUpdateAt).toBe(1000);
    expect(state.heartbeatMs).toBe(15_000);
    expect(state.recentEventIds).toEqual(['e1', 'e5']);
  });

  it('keeps the known heartbeat when a poll brings none', () => {
    const state = reduceSessionsState(withSnapshot(), { type: 'snapshot', sessions: [], lastEventId: 'e9', heartbeatMs: null, at: 2000 });
    expect(state.heartbeatMs).toBe(30_000);
    expect(state.sessions).toEqual({});
  });
});

describe('change', () => {
  it('adds, updates and removes sessions by id and moves the cursor', () => {
    const c = session({ id: 'c' });
    let state = reduceSessionsState(withSnapshot(), { type: 'change', event: { type: 'session_created', session: c, at: 1 }, id: 'e6', at: 2000 });
    const exited = { ...a, status: 'exited' as const, pid: null, exitCode: 0 };
    state = reduceSessionsState(state, { type: 'change', event: { type: 'session_updated', session: exited, at: 2 }, id: 'e7', at: 2100 });
    state = reduceSessionsState(state, { type: 'change', event: { type: 'session_removed', session: b, at: 3 }, id: 'e8', at: 2200 });
    expect(state.sessions).toEqual({ a: exited, c });
    expect(state.lastEventId).toBe('e8');
    expect(state.lastUpdateAt).toBe(2200);
    expect(state.recentEventIds).toEqual(['e5', 'e6', 'e7', 'e8']);
  });

  it('ignores an event whose id was applied already', () => {
    const first = reduceSessionsState(withSnapshot(), {
      type: 'change',
      event: { type: 'session_updated', session: { ...a, status: 'stopping' }, at: 1 },
      id: 'e6',
      at: 2000,
    });
    const again = reduceSessionsState(first, {
      type: 'change',
      event: { type: 'session_updated', session: { ...a, status: 'running' }, at: 1 },
      id: 'e6',
      at: 3000,
    });
    expect(again).toBe(first);
  });

  it('ignores an event carrying the id of the snapshot it is reflected in', () => {
    const state = withSnapshot();
    const next = reduceSessionsState(state, { type: 'change', event: { type: 'session_removed', session: a, at: 1 }, id: 'e5', at: 2000 });
    expect(next).toBe(state);
  });

  it('remembers a bounded number of ids', () => {
    let state = createSessionsState();
    for (let i = 0; i < RECENT_EVENT_IDS + 10; i += 1) {
      state = reduceSessionsState(state, { type: 'change', event: { type: 'session_updated', session: a, at: i }, id: `e${i}`, at: i });
    }
    expect(state.recentEventIds).toHaveLength(RECENT_EVENT_IDS);
    expect(state.recentEventIds[0]).toBe('e10');
  });
});

describe('status', () => {
  it('returns the same state for the same status and error', () => {
    const state = createSessionsState();
    expect(reduceSessionsState(state, { type: 'status', status: 'connecting', error: null })).toBe(state);
    expect(reduceSessionsState(state, { type: 'status', status: 'offline', error: 'down' })).toMatchObject({ status: 'offline', error: 'down' });
  });
});

describe('upsert and remove', () => {
  it('keeps a REST answer only when it is newer than the session held', () => {
    const state = withSnapshot();
    const stale = { ...a, status: 'stopping' as const };
    expect(reduceSessionsState(state, { type: 'upsert', session: stale })).toBe(state);
    const newer = { ...a, status: 'stopping' as const, updatedAt: '2025-01-01T10:00:01.000Z' };
    const next = reduceSessionsState(state, { type: 'upsert', session: newer });
    expect(next.sessions['a']).toEqual(newer);
    expect(next.lastEventId).toBe('e5');
    expect(next.lastUpdateAt).toBe(1000);
  });

  it('adds an unknown session and removes by id', () => {
    const c = session({ id: 'c' });
    const added = reduceSessionsState(withSnapshot(), { type: 'upsert', session: c });
    expect(Object.keys(added.sessions)).toEqual(['a', 'b', 'c']);
    const removed = reduceSessionsState(added, { type: 'remove', id: 'a' });
    expect(Object.keys(removed.sessions)).toEqual(['b', 'c']);
    expect(reduceSessionsState(removed, { type: 'remove', id: 'a' })).toBe(removed);
  });
});

describe('serialisation', () => {
  it('survives structuredClone and JSON whole', () => {
    const state = withSnapshot();
    expect(structuredClone(state)).toEqual(state);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});

describe('state', () => {
  it('replaces the whole state with the one handed over', () => {
    const handedOver: SessionsState = { ...withSnapshot(), status: 'live', lastEventId: 'e9', recentEventIds: ['e5', 'e9'] };
    const state = reduceSessionsState(createSessionsState(), { type: 'state', state: handedOver });
    expect(state).toBe(handedOver);
  });
});

describe('authRequired', () => {
  it('marks a status that needs a sign-in, and drops the mark with the next status', () => {
    const refused = reduceSessionsState(withSnapshot(), { type: 'status', status: 'offline', error: 'Sign in first.', authRequired: true });
    const again = reduceSessionsState(refused, { type: 'status', status: 'offline', error: 'Sign in first.', authRequired: true });
    const retrying = reduceSessionsState(refused, { type: 'status', status: 'offline', error: 'Sign in first.' });
    expect(refused).toMatchObject({ status: 'offline', error: 'Sign in first.', authRequired: true });
    expect(again).toBe(refused);
    expect(retrying).not.toBe(refused);
    expect('authRequired' in retrying).toBe(false);
    expect('authRequired' in createSessionsState()).toBe(false);
  });
});
