import { effectScope, nextTick } from 'vue';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '@sessionboard/protocol';
import { usePreferencesStore } from '../stores/usePreferencesStore.ts';
import { useSessionsStore } from '../stores/useSessionsStore.ts';
import { fakeBackend, session } from '../testing/fakeBackend.ts';
import { useSessionAlerts } from './useSessionAlerts.ts';
import type { NotificationLike } from './useSessionAlerts.ts';

beforeEach(() => {
  vi.useFakeTimers();
  localStorage.clear();
  setActivePinia(createPinia());
});

afterEach(() => {
  vi.useRealTimers();
});

function fakeNotification(permission: NotificationPermission) {
  const shown: { title: string; options?: NotificationOptions }[] = [];
  const Ctor = class {
    static permission = permission;
    constructor(title: string, options?: NotificationOptions) {
      shown.push({ title, options });
    }
  } as unknown as NotificationLike;
  return { Ctor, shown };
}

function setUp(options: { permission?: NotificationPermission; attended?: boolean } = {}) {
  const fake = fakeBackend();
  useSessionsStore().startConnection(fake.backend);
  const notification = fakeNotification(options.permission ?? 'granted');
  const scope = effectScope();
  const { announcement } = scope.run(() =>
    useSessionAlerts({ gatherMs: 1000, minGapMs: 5000, Notification: notification.Ctor, isAttended: () => options.attended ?? false }),
  )!;
  const change = (next: Session, id: string) =>
    fake.push({ type: 'change', event: { type: 'session_updated', session: next, at: 1 }, id, at: Date.now() });
  return { ...fake, announcement, notification, scope, change };
}

const a = session({ id: 'a', name: 'build' });
const b = session({ id: 'b', name: 'test' });

describe('announcements', () => {
  it('say nothing of the first list, however it looks', async () => {
    const { push, announcement } = setUp();
    push({ type: 'snapshot', sessions: [{ ...a, status: 'failed', pid: null }], lastEventId: 'e1', heartbeatMs: null, at: 1 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(announcement.value).toBe('');
  });

  it('tell of a session that exits non-zero, after the gathering time', async () => {
    const { push, announcement, change } = setUp();
    push({ type: 'snapshot', sessions: [a, b], lastEventId: 'e1', heartbeatMs: null, at: 1 });
    await nextTick();
    change({ ...a, status: 'exited', exitCode: 2, pid: null }, 'e2');
    await nextTick();
    await vi.advanceTimersByTimeAsync(999);
    expect(announcement.value).toBe('');
    await vi.advanceTimersByTimeAsync(1);
    expect(announcement.value).toBe('build exited with code 2.');
  });

  it('make a burst one message, and hold the next one off for the gap', async () => {
    const { push, announcement, change } = setUp();
    push({ type: 'snapshot', sessions: [a, b], lastEventId: 'e1', heartbeatMs: null, at: 1 });
    await nextTick();
    change({ ...a, status: 'failed', pid: null, error: 'spawn make ENOENT' }, 'e2');
    await nextTick();
    change({ ...b, status: 'lost', pid: null }, 'e3');
    await nextTick();
    await vi.advanceTimersByTimeAsync(1000);
    expect(announcement.value).toBe(
      '2 sessions need attention: build failed to start: spawn make ENOENT. test was lost: the server instance running it stopped answering.',
    );
    // Told at 1 s; the next message no sooner than 5 s after that.
    const a2 = session({ id: 'a2', name: 'lint' });
    push({ type: 'change', event: { type: 'session_created', session: a2, at: 1 }, id: 'e4', at: 1 });
    await nextTick();
    change({ ...a2, status: 'exited', exitCode: 1, pid: null }, 'e5');
    await nextTick();
    await vi.advanceTimersByTimeAsync(4999);
    expect(announcement.value).toContain('2 sessions need attention');
    await vi.advanceTimersByTimeAsync(1);
    expect(announcement.value).toBe('lint exited with code 1.');
  });

  it('stay quiet for ends that need no attention', async () => {
    const { push, announcement, change } = setUp();
    push({ type: 'snapshot', sessions: [a], lastEventId: 'e1', heartbeatMs: null, at: 1 });
    await nextTick();
    change({ ...a, status: 'exited', exitCode: 0, pid: null }, 'e2');
    await nextTick();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(announcement.value).toBe('');
  });
});

describe('notifications', () => {
  async function failOne(options: Parameters<typeof setUp>[0], turnedOn: boolean) {
    const setup = setUp(options);
    usePreferencesStore().notifications = turnedOn;
    setup.push({ type: 'snapshot', sessions: [a], lastEventId: 'e1', heartbeatMs: null, at: 1 });
    await nextTick();
    setup.change({ ...a, status: 'exited', exitCode: 3, pid: null }, 'e2');
    await nextTick();
    await vi.advanceTimersByTimeAsync(1000);
    return setup;
  }

  it('are shown when turned on, allowed, and the tab is not looked at', async () => {
    const { notification } = await failOne({}, true);
    expect(notification.shown).toEqual([
      { title: 'build exited with an error', options: { body: 'build exited with code 3.', tag: 'sessionboard-a-exited' } },
    ]);
  });

  it.each([
    ['turned off (the default)', {}, false],
    ['not allowed by the browser', { permission: 'default' as const }, true],
    ['looked at', { attended: true }, true],
  ])('are not shown when %s', async (_case, options, turnedOn) => {
    const { notification, announcement } = await failOne(options, turnedOn);
    expect(notification.shown).toEqual([]);
    expect(announcement.value).toBe('build exited with code 3.');
  });
});
