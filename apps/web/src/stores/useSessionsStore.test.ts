import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, networkError } from '@sessionboard/client';
import { fakeBackend, session } from '../testing/fakeBackend.ts';
import { CLEAR_ENDED, useSessionsStore } from './useSessionsStore.ts';

const older = session({ id: 'old', createdAt: '2025-01-01T09:00:00.000Z' });
const newer = session({ id: 'new', createdAt: '2025-01-01T11:00:00.000Z' });
const ended = session({ id: 'done', status: 'exited', pid: null, exitCode: 0, createdAt: '2025-01-01T10:00:00.000Z' });

beforeEach(() => {
  setActivePinia(createPinia());
});

function connected() {
  const fake = fakeBackend();
  const store = useSessionsStore();
  store.startConnection(fake.backend);
  return { store, ...fake };
}

describe('state from the client', () => {
  it('applies a snapshot, newest first, with counts', () => {
    const { store, push } = connected();
    push({ type: 'snapshot', sessions: [older, ended, newer], lastEventId: 'e1', heartbeatMs: 30_000, at: 1000 });
    expect(store.sessions.map((s) => s.id)).toEqual(['new', 'done', 'old']);
    expect(store.sessionCount).toBe(3);
    expect(store.activeSessions.map((s) => s.id)).toEqual(['new', 'old']);
    expect(store.lastUpdateAt).toBe(1000);
  });

  it('applies deltas by id', () => {
    const { store, push } = connected();
    push({ type: 'snapshot', sessions: [older, newer], lastEventId: 'e1', heartbeatMs: 30_000, at: 1000 });
    push({ type: 'change', event: { type: 'session_updated', session: { ...older, status: 'stopping' }, at: 1 }, id: 'e2', at: 2000 });
    push({ type: 'change', event: { type: 'session_removed', session: newer, at: 2 }, id: 'e3', at: 3000 });
    push({ type: 'change', event: { type: 'session_created', session: ended, at: 3 }, id: 'e4', at: 4000 });
    expect(store.sessions.map((s) => [s.id, s.status])).toEqual([
      ['done', 'exited'],
      ['old', 'stopping'],
    ]);
    expect(store.lastUpdateAt).toBe(4000);
  });

  it('keeps the server’s heartbeat interval from the last stream snapshot, for output streams', () => {
    const { store, push } = connected();
    expect(store.heartbeatMs).toBeNull();
    push({ type: 'snapshot', sessions: [], lastEventId: 'e1', heartbeatMs: 2000, at: 1 });
    expect(store.heartbeatMs).toBe(2000);
    // A poll's list has none: the interval learnt stays.
    push({ type: 'snapshot', sessions: [], lastEventId: 'e2', heartbeatMs: null, at: 2 });
    expect(store.heartbeatMs).toBe(2000);
  });

  it('follows the connection status and its error', () => {
    const { store, push } = connected();
    expect([store.status, store.loading]).toEqual(['connecting', true]);
    push({ type: 'status', status: 'offline', error: 'Cannot reach the server.' });
    expect([store.status, store.error, store.loading]).toEqual(['offline', 'Cannot reach the server.', false]);
    push({ type: 'snapshot', sessions: [], lastEventId: 'e1', heartbeatMs: null, at: 5 });
    push({ type: 'status', status: 'polling', error: null });
    expect([store.status, store.error, store.loading]).toEqual(['polling', null, false]);
  });
});

describe('connection', () => {
  it('starts the client and takes its current state', () => {
    const fake = fakeBackend();
    fake.push({ type: 'snapshot', sessions: [older], lastEventId: 'e1', heartbeatMs: null, at: 9 });
    const store = useSessionsStore();
    store.startConnection(fake.backend);
    expect(fake.client.start).toHaveBeenCalledTimes(1);
    expect(store.sessions).toEqual([older]);
  });

  it('stops the client and no longer applies its state', () => {
    const { store, push, client } = connected();
    store.stopConnection();
    push({ type: 'snapshot', sessions: [older], lastEventId: 'e1', heartbeatMs: null, at: 9 });
    expect(client.stop).toHaveBeenCalledTimes(1);
    expect(store.sessions).toEqual([]);
  });

  it('asks the client to reconnect', () => {
    const { store, client } = connected();
    store.reconnect();
    expect(client.reconnect).toHaveBeenCalledTimes(1);
  });

  it('refuses actions before a connection is started', async () => {
    const store = useSessionsStore();
    await expect(store.createSession({ command: ['ls'] })).rejects.toThrow('useSessionsStore: call startConnection(backend) first.');
  });
});

describe('actions', () => {
  it('creates a session and shows it at once', async () => {
    const { store, api } = connected();
    api.createSession.mockResolvedValue(newer);
    expect(await store.createSession({ command: ['sleep', '60'], name: 'nap' })).toEqual(newer);
    expect(api.createSession).toHaveBeenCalledWith({ command: ['sleep', '60'], name: 'nap' });
    expect(store.sessions).toEqual([newer]);
  });

  it('passes on a failed create for the form to show', async () => {
    const { store, api } = connected();
    api.createSession.mockRejectedValue(new ApiError(400, 'invalid_cwd', 'cwd "/x" is not a directory.'));
    await expect(store.createSession({ command: ['ls'], cwd: '/x' })).rejects.toThrow('cwd "/x" is not a directory.');
    expect(store.actionError).toBeNull();
  });

  it('terminates a session and shows it stopping', async () => {
    const { store, api, push } = connected();
    push({ type: 'snapshot', sessions: [older], lastEventId: 'e1', heartbeatMs: null, at: 1 });
    const stopping = { ...older, status: 'stopping' as const, updatedAt: '2025-01-01T12:00:00.000Z' };
    api.terminateSession.mockResolvedValue(stopping);
    expect(await store.terminateSession('old')).toBe(true);
    expect(api.terminateSession).toHaveBeenCalledWith('old');
    expect(store.sessions).toEqual([stopping]);
  });

  it('removes an ended session when the server answers 204', async () => {
    const { store, api, push } = connected();
    push({ type: 'snapshot', sessions: [ended, newer], lastEventId: 'e1', heartbeatMs: null, at: 1 });
    api.removeSession.mockResolvedValue(null);
    expect(await store.removeSession('done')).toBe(true);
    expect(api.removeSession).toHaveBeenCalledWith('done');
    expect(store.sessions.map((s) => s.id)).toEqual(['new']);
  });

  it('keeps the server’s message of a failed action until dismissed', async () => {
    const { store, api } = connected();
    api.terminateSession.mockRejectedValue(new ApiError(429, 'rate_limited', 'Too many requests; try again in 20 s.'));
    expect(await store.terminateSession('old')).toBe(false);
    expect(store.actionError).toBe('Too many requests; try again in 20 s.');
    store.dismissActionError();
    expect(store.actionError).toBeNull();
  });
});

describe('auth', () => {
  it('needs a sign-in while the client says so, and not once it connects again', () => {
    const { store, push } = connected();
    push({ type: 'status', status: 'offline', error: 'Sign in first.', authRequired: true });
    expect([store.signInRequired, store.authEnabled]).toEqual([true, true]);
    push({ type: 'status', status: 'connecting', error: null });
    expect(store.signInRequired).toBe(false);
  });

  it.each([
    ['starting a session', (store: ReturnType<typeof useSessionsStore>) => store.createSession({ command: ['ls'] }).catch(() => null), 'createSession'],
    ['stopping a session', (store: ReturnType<typeof useSessionsStore>) => store.terminateSession('s1'), 'terminateSession'],
    ['listing directories', (store: ReturnType<typeof useSessionsStore>) => store.listDirs().catch(() => null), 'listDirs'],
  ] as const)('needs a sign-in when %s answers 401', async (_case, act, call) => {
    const { store, api } = connected();
    api[call].mockRejectedValueOnce(new ApiError(401, 'unauthorized', 'Your sign-in has ended.'));
    await act(store);
    expect(store.signInRequired).toBe(true);
  });

  it('does not ask for a sign-in on other failures', async () => {
    const { store, api } = connected();
    api.createSession.mockRejectedValueOnce(new ApiError(400, 'invalid_cwd', 'No such directory.'));
    await store.createSession({ command: ['ls'] }).catch(() => null);
    expect(store.signInRequired).toBe(false);
  });

  it('stops asking once the connection comes up, as when another tab signs in', async () => {
    const { store, push } = connected();
    push({ type: 'status', status: 'live', error: null });
    await store.signOut();
    expect(store.signInRequired).toBe(true);
    push({ type: 'status', status: 'live', error: null });
    expect(store.signInRequired).toBe(true);
    push({ type: 'status', status: 'offline', error: 'Sign in first.', authRequired: true });
    push({ type: 'status', status: 'connecting', error: null });
    push({ type: 'status', status: 'live', error: null });
    expect(store.signInRequired).toBe(false);
  });

  it('signs in, then has the client retry at once', async () => {
    const { store, api, client, push } = connected();
    push({ type: 'status', status: 'offline', error: 'Sign in first.', authRequired: true });
    await store.signIn('tok-0123456789abcdef');
    expect(api.signIn).toHaveBeenCalledExactlyOnceWith('tok-0123456789abcdef');
    expect(client.reconnect).toHaveBeenCalledTimes(1);
  });

  it('leaves the client waiting when the sign-in is refused', async () => {
    const { store, api, client } = connected();
    api.signIn.mockRejectedValueOnce(new ApiError(401, 'unauthorized', 'Wrong token.'));
    await expect(store.signIn('nope')).rejects.toThrow('Wrong token.');
    expect(client.reconnect).not.toHaveBeenCalled();
  });
});

describe('more actions', () => {
  it('kills a session at once and shows what the server answered', async () => {
    const { store, api, push } = connected();
    push({ type: 'snapshot', sessions: [older], lastEventId: 'e1', heartbeatMs: null, at: 1 });
    const killed = { ...older, status: 'exited' as const, pid: null, signal: 'SIGKILL', updatedAt: '2025-01-01T12:00:00.000Z' };
    api.killSession.mockResolvedValue(killed);
    expect(await store.killSession('old')).toBe(true);
    expect(api.killSession).toHaveBeenCalledExactlyOnceWith('old');
    expect(store.sessions).toEqual([killed]);
  });

  it('runs a session again with its command, name and directory', async () => {
    const { store, api } = connected();
    const again = session({ id: 'again', createdAt: '2025-01-01T12:00:00.000Z' });
    api.createSession.mockResolvedValue(again);
    expect(await store.runAgain(ended)).toEqual(again);
    expect(api.createSession).toHaveBeenCalledExactlyOnceWith({ command: ended.command, name: ended.name, cwd: ended.cwd });
    expect(store.sessions.map((s) => s.id)).toEqual(['again']);
  });

  it('shows a failed run-again as an action error', async () => {
    const { store, api } = connected();
    api.createSession.mockRejectedValue(new ApiError(429, 'too_many_sessions', '64 sessions are running, the most this server allows.'));
    expect(await store.runAgain(ended)).toBeNull();
    expect(store.actionError).toBe('64 sessions are running, the most this server allows.');
  });
});

describe('one error, one place', () => {
  it('leaves a connection failure to the offline banner, and drops it when the connection is back', async () => {
    const { store, api, push } = connected();
    push({ type: 'status', status: 'live', error: null });
    api.terminateSession.mockRejectedValue(networkError(new TypeError('Failed to fetch')));
    await store.terminateSession('old');
    expect(store.actionError).toBe('Cannot reach the server (Failed to fetch).');
    push({ type: 'status', status: 'offline', error: 'Cannot reach the server.' });
    expect(store.actionError).toBeNull();
    push({ type: 'status', status: 'live', error: null });
    expect(store.actionError).toBeNull();
    push({ type: 'status', status: 'offline', error: 'Cannot reach the server.' });
    push({ type: 'status', status: 'connecting', error: null });
    expect(store.actionError).toBeNull();
  });

  it('keeps a refusal by the server while offline', async () => {
    const { store, api, push } = connected();
    api.removeSession.mockRejectedValue(new ApiError(404, 'not_found', 'No session has the id "x".'));
    await store.removeSession('x');
    push({ type: 'status', status: 'offline', error: 'Cannot reach the server.' });
    push({ type: 'status', status: 'live', error: null });
    expect(store.actionError).toBe('No session has the id "x".');
  });

  it('is offline exactly while the client is', () => {
    const { store, push } = connected();
    expect(store.offline).toBe(false);
    push({ type: 'status', status: 'offline', error: null });
    expect(store.offline).toBe(true);
    push({ type: 'status', status: 'polling', error: null });
    expect(store.offline).toBe(false);
  });
});

describe('a restarted server', () => {
  it('is noticed when a snapshot under a new cursor keeps none of the sessions', () => {
    const { store, push } = connected();
    push({ type: 'snapshot', sessions: [older, ended], lastEventId: 'a-9', heartbeatMs: 30_000, at: 1000 });
    expect(store.restartNotice).toBeNull();
    push({ type: 'status', status: 'offline', error: 'Cannot reach the server.' });
    push({ type: 'snapshot', sessions: [newer], lastEventId: 'b-1', heartbeatMs: 30_000, at: 9000 });
    expect(store.restartNotice).toEqual({ at: 9000, gone: 2 });
    store.dismissRestartNotice();
    expect(store.restartNotice).toBeNull();
  });

  it('is not noticed on the first list, a replay, or a snapshot that keeps a session', () => {
    const { store, push } = connected();
    push({ type: 'snapshot', sessions: [older], lastEventId: 'a-1', heartbeatMs: 30_000, at: 1000 });
    push({ type: 'change', event: { type: 'session_removed', session: older, at: 2 }, id: 'a-2', at: 2000 });
    push({ type: 'change', event: { type: 'session_created', session: ended, at: 3 }, id: 'a-3', at: 3000 });
    push({ type: 'snapshot', sessions: [ended, newer], lastEventId: 'a-9', heartbeatMs: 30_000, at: 4000 });
    expect(store.restartNotice).toBeNull();
  });
});

describe('clear ended', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  const failed = session({ id: 'bad', status: 'failed', pid: null, createdAt: '2025-01-01T08:00:00.000Z' });
  const lost = session({ id: 'lost', status: 'lost', pid: null, createdAt: '2025-01-01T07:00:00.000Z' });

  function withList() {
    const fake = connected();
    fake.push({ type: 'snapshot', sessions: [older, ended, failed, lost, newer], lastEventId: 'e1', heartbeatMs: null, at: 1 });
    return fake;
  }

  it('hides every ended session at once and removes them after the undo time', async () => {
    const { store, api } = withList();
    api.removeSession.mockResolvedValue(null);
    expect(store.clearEnded()).toBe(3);
    expect(store.sessions.map((s) => s.id)).toEqual(['new', 'old']);
    expect(store.pendingClear?.ids).toEqual(['done', 'bad', 'lost']);
    expect(api.removeSession).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(CLEAR_ENDED.undoMs);
    expect(api.removeSession.mock.calls.map(([id]) => id).sort()).toEqual(['bad', 'done', 'lost']);
    expect(store.pendingClear).toBeNull();
    expect(Object.keys(store.sessionsById).sort()).toEqual(['new', 'old']);
    expect(store.actionError).toBeNull();
  });

  it('shows them again, and removes nothing, on undo', async () => {
    const { store, api } = withList();
    store.clearEnded();
    store.undoClear();
    expect(store.sessions.map((s) => s.id)).toEqual(['new', 'done', 'old', 'bad', 'lost']);
    await vi.advanceTimersByTimeAsync(CLEAR_ENDED.undoMs * 2);
    expect(api.removeSession).not.toHaveBeenCalled();
  });

  it('does nothing when nothing has ended', () => {
    const { store, push } = connected();
    push({ type: 'snapshot', sessions: [older], lastEventId: 'e1', heartbeatMs: null, at: 1 });
    expect(store.clearEnded()).toBe(0);
    expect(store.pendingClear).toBeNull();
  });

  it('waits out the rate limit and goes on', async () => {
    const { store, api } = withList();
    let refused = false;
    api.removeSession.mockImplementation(async (id) => {
      if (id === 'bad' && !refused) {
        refused = true;
        throw new ApiError(429, 'rate_limited', 'Too many requests.', undefined, 3000);
      }
      return null;
    });
    store.clearEnded();
    await vi.advanceTimersByTimeAsync(CLEAR_ENDED.undoMs);
    expect(Object.keys(store.sessionsById).sort()).toEqual(['bad', 'new', 'old']);
    await vi.advanceTimersByTimeAsync(3000);
    expect(Object.keys(store.sessionsById).sort()).toEqual(['new', 'old']);
    expect(api.removeSession.mock.calls.filter(([id]) => id === 'bad')).toHaveLength(2);
  });

  it('counts a session someone else removed as removed', async () => {
    const { store, api } = withList();
    api.removeSession.mockRejectedValue(new ApiError(404, 'not_found', 'No session has the id.'));
    store.clearEnded();
    await vi.advanceTimersByTimeAsync(CLEAR_ENDED.undoMs);
    expect(Object.keys(store.sessionsById).sort()).toEqual(['new', 'old']);
    expect(store.actionError).toBeNull();
  });

  it('shows what was not removed, and says why', async () => {
    const { store, api } = withList();
    api.removeSession.mockRejectedValue(new ApiError(503, 'unavailable', 'Redis is unreachable; try again in 5 s.'));
    store.clearEnded();
    await vi.advanceTimersByTimeAsync(CLEAR_ENDED.undoMs);
    expect(store.sessions.map((s) => s.id)).toEqual(['new', 'done', 'old', 'bad', 'lost']);
    expect(store.actionError).toBe('3 ended sessions were not removed: Redis is unreachable; try again in 5 s.');
  });
});
