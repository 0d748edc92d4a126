import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RouterView } from 'vue-router';
import type { Session } from '@sessionboard/protocol';
import { errorResponse } from '@sessionboard/client/testing';
import { OUTPUT_CLIENT_FACTORY } from '../composables/useSessionOutput.ts';
import { useSessionsStore } from '../stores/useSessionsStore.ts';
import { fakeBackend, session } from '../testing/fakeBackend.ts';
import { fakeOutput } from '../testing/fakeOutput.ts';
import { testRouter } from '../testing/testRouter.ts';

enableAutoUnmount(afterEach);

beforeEach(() => {
  setActivePinia(createPinia());
  document.body.innerHTML = '';
});

afterEach(() => {
  vi.useRealTimers();
});

const running = session({
  id: 'run-1',
  name: 'web server',
  command: ['node', 'server.js', '--port', '80 80'],
  cwd: '/srv/app',
  instance: 'web-1:4021',
  pid: 4242,
  createdAt: '2025-01-01T10:00:00.000Z',
});
const exited = session({
  id: 'done-1',
  name: 'tests',
  command: ['sh', '-c', 'exit 1'],
  status: 'exited',
  pid: null,
  exitCode: 1,
  createdAt: '2025-01-01T10:00:00.000Z',
  endedAt: '2025-01-01T10:02:05.000Z',
});

async function open(path: string, sessions: Session[] = [running, exited], options: { synced?: boolean; signedOut?: boolean } = {}) {
  const fake = fakeBackend();
  if (options.signedOut) fake.api.authStatus.mockResolvedValue({ authRequired: true, authenticated: false });
  if (options.synced !== false) {
    fake.push({ type: 'snapshot', sessions, lastEventId: 'e1', heartbeatMs: 2000, at: 1 });
    fake.push({ type: 'status', status: 'live', error: null });
  }
  const output = fakeOutput();
  const router = await testRouter(path);
  const store = useSessionsStore();
  store.startConnection(fake.backend);
  const wrapper = mount(RouterView, {
    global: { plugins: [router], provide: { [OUTPUT_CLIENT_FACTORY as symbol]: output.factory } },
    attachTo: document.body.appendChild(document.createElement('main')),
  });
  await flushPromises();
  return { wrapper, router, store, output, ...fake };
}

const text = (wrapper: Awaited<ReturnType<typeof open>>['wrapper'], testid: string) => wrapper.get(`[data-testid="${testid}"]`).text();

describe('details', () => {
  it('shows a running session’s command, directory, instance, pid, start and a run time that counts', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    vi.setSystemTime(Date.parse('2025-01-01T10:03:05.000Z'));
    const { wrapper } = await open('/sessions/run-1');
    expect(text(wrapper, 'detail-name')).toBe('web server');
    expect(wrapper.get('[data-testid="detail-status"]').attributes('data-status')).toBe('running');
    expect(text(wrapper, 'detail-command')).toBe(`node server.js --port '80 80'`);
    expect(text(wrapper, 'detail-cwd')).toBe('/srv/app');
    expect(text(wrapper, 'detail-instance')).toBe('web-1:4021');
    expect(text(wrapper, 'detail-pid')).toBe('4242');
    expect(wrapper.get('[data-testid="detail-started"]').attributes('datetime')).toBe('2025-01-01T10:00:00.000Z');
    expect(text(wrapper, 'detail-ended')).toBe('—');
    expect(text(wrapper, 'detail-result')).toBe('Still running');
    expect(text(wrapper, 'detail-runtime')).toBe('3m 05s');
    vi.advanceTimersByTime(10_000);
    await flushPromises();
    expect(text(wrapper, 'detail-runtime')).toBe('3m 15s');
  });

  it('shows an ended session’s run time to its end, not an age that keeps counting', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    vi.setSystemTime(Date.parse('2025-01-01T12:00:00.000Z'));
    const { wrapper } = await open('/sessions/done-1');
    expect(text(wrapper, 'detail-runtime')).toBe('2m 05s');
    expect(wrapper.get('[data-testid="detail-ended"]').attributes('datetime')).toBe('2025-01-01T10:02:05.000Z');
    expect(text(wrapper, 'detail-result')).toBe('Exit code 1');
    vi.advanceTimersByTime(60_000);
    await flushPromises();
    expect(text(wrapper, 'detail-runtime')).toBe('2m 05s');
  });

  it.each([
    [{ status: 'exited', exitCode: 0 }, 'Exit code 0'],
    [{ status: 'exited', signal: 'SIGTERM' }, 'Ended by SIGTERM'],
    [{ status: 'failed', error: 'spawn nope ENOENT' }, 'Failed to start: spawn nope ENOENT'],
    [{ status: 'lost' }, 'Unknown: the instance running it stopped answering'],
  ] as const)('says how it ended (%#)', async (overrides, result) => {
    const { wrapper } = await open('/sessions/x', [session({ id: 'x', pid: null, endedAt: '2025-01-01T10:00:01.000Z', ...overrides })]);
    expect(text(wrapper, 'detail-result')).toBe(result);
  });

  it('copies the full command, as a shell reads it back', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    try {
      const { wrapper } = await open('/sessions/run-1');
      await wrapper.get('[data-testid="copy-command"]').trigger('click');
      await flushPromises();
      expect(writeText).toHaveBeenCalledWith(`node server.js --port '80 80'`);
      expect(text(wrapper, 'copy-status')).toBe('Copied');
    } finally {
      delete (navigator as { clipboard?: unknown }).clipboard;
    }
  });

  it('puts focus on the heading when it opens', async () => {
    const { wrapper } = await open('/sessions/run-1');
    expect(document.activeElement).toBe(wrapper.get('[data-testid="detail-name"]').element);
  });
});

describe('output', () => {
  it('follows the session’s output with the server’s heartbeat, and shows it live', async () => {
    const { wrapper, output } = await open('/sessions/run-1');
    expect(output.options).toEqual([{ sessionId: 'run-1', heartbeatMs: 2000 }]);
    const source = output.sources.latest();
    expect(source.url).toBe('/api/sse/sessions/run-1/output');
    source.open();
    source.emit('output', { stream: 'stdout', text: '\x1b[34mlistening\x1b[0m on :80\n', offset: 27 }, '27');
    await flushPromises();
    const view = wrapper.get('[data-testid="session-output"]');
    expect(view.attributes()).toMatchObject({ 'data-session-id': 'run-1', 'data-offset': '27', 'data-state': 'live' });
    expect(view.get('.ansi-blue-fg').text()).toBe('listening');
    source.emit('end', { type: 'end', offset: 27, session: { ...running, status: 'exited', exitCode: 0, pid: null } });
    await flushPromises();
    expect(view.attributes('data-state')).toBe('ended');
  });

  it('waits briefly for the heartbeat when the sessions stream has said nothing yet', async () => {
    vi.useFakeTimers();
    const { output } = await open('/sessions/run-1', [], { synced: false });
    expect(output.options).toEqual([]);
    await vi.advanceTimersByTimeAsync(1500);
    expect(output.options).toEqual([{ sessionId: 'run-1', heartbeatMs: null }]);
  });

  it('picks the output up again after a sign-in', async () => {
    const { wrapper, store, output } = await open('/sessions/run-1', [running, exited], { signedOut: true });
    expect(store.signInRequired).toBe(true);
    output.fetch.mockResolvedValue(errorResponse(401, 'unauthorized', 'Sign in with the server’s token.'));
    output.sources.latest().fail();
    await flushPromises();
    expect(text(wrapper, 'output-follow')).toBe('Sign-in needed');
    await store.signIn('the-token');
    await flushPromises();
    expect(output.sources.instances).toHaveLength(2);
    expect(output.sources.latest().closed).toBe(false);
  });
});

describe('actions', () => {
  it('terminates a running session, then offers Kill now, keeping focus on the actions', async () => {
    const { wrapper, api, push } = await open('/sessions/run-1');
    api.terminateSession.mockResolvedValue({ ...running, status: 'stopping', updatedAt: '2025-01-01T10:05:00.000Z' });
    const terminate = wrapper.get('[data-testid="terminate-button"]');
    (terminate.element as HTMLElement).focus();
    await terminate.trigger('click');
    await flushPromises();
    expect(api.terminateSession).toHaveBeenCalledExactlyOnceWith('run-1');
    const kill = wrapper.get('[data-testid="kill-button"]');
    expect(document.activeElement).toBe(kill.element);

    api.killSession.mockResolvedValue({ ...running, status: 'exited', signal: 'SIGKILL', pid: null, updatedAt: '2025-01-01T10:05:01.000Z' });
    await kill.trigger('click');
    await flushPromises();
    expect(api.killSession).toHaveBeenCalledExactlyOnceWith('run-1');
    expect(document.activeElement).toBe(wrapper.get('[data-testid="run-again-button"]').element);
    push({ type: 'status', status: 'live', error: null });
    expect(wrapper.get('[data-testid="detail-status"]').attributes('data-status')).toBe('exited');
  });

  it('removes an ended session and goes back to the list, with the filters it had', async () => {
    const { wrapper, router, api } = await open('/?status=ended&q=tes');
    await router.push('/sessions/done-1');
    await flushPromises();
    expect(wrapper.get('[data-testid="back-to-list"]').attributes('href')).toBe('/?status=ended&q=tes');
    api.removeSession.mockResolvedValue(null);
    await wrapper.get('[data-testid="remove-button"]').trigger('click');
    await flushPromises();
    expect(api.removeSession).toHaveBeenCalledExactlyOnceWith('done-1');
    expect(router.currentRoute.value.fullPath).toBe('/?status=ended&q=tes');
  });

  it('runs it again and opens the new session', async () => {
    const { wrapper, router, api, output } = await open('/sessions/done-1');
    api.createSession.mockResolvedValue(session({ id: 'again-1', name: 'tests', command: ['sh', '-c', 'exit 1'] }));
    await wrapper.get('[data-testid="run-again-button"]').trigger('click');
    await flushPromises();
    expect(api.createSession).toHaveBeenCalledExactlyOnceWith({ command: ['sh', '-c', 'exit 1'], name: 'tests', cwd: exited.cwd });
    expect(router.currentRoute.value.fullPath).toBe('/sessions/again-1');
    expect(output.sources.instances[0]!.closed).toBe(true);
    expect(output.sources.latest().url).toBe('/api/sse/sessions/again-1/output');
    expect(wrapper.get('[data-testid="session-output"]').attributes('data-session-id')).toBe('again-1');
    expect(document.activeElement).toBe(wrapper.get('[data-testid="detail-name"]').element);
  });
});

describe('a session that is not there', () => {
  it('says so for an id the list does not have, with a way back', async () => {
    const { wrapper } = await open('/sessions/nope');
    const missing = wrapper.get('[data-testid="session-missing"]');
    expect(missing.attributes('data-reason')).toBe('unknown');
    expect(missing.get('h2').text()).toBe('Session not found');
    expect(missing.text()).toContain('The server knows no session with the id nope.');
    expect(wrapper.get('[data-testid="missing-back"]').attributes('href')).toBe('/');
    expect(wrapper.find('[data-testid="session-output"]').exists()).toBe(false);
  });

  it('says so when the output stream answers 404 before the list is known', async () => {
    vi.useFakeTimers();
    const { wrapper, output } = await open('/sessions/nope', [], { synced: false });
    output.fetch.mockResolvedValue(errorResponse(404, 'not_found', 'Session "nope" is not known to the server.'));
    await vi.advanceTimersByTimeAsync(1500);
    // The stream is refused; the client's probe learns why.
    output.sources.latest().fail();
    await vi.advanceTimersByTimeAsync(0);
    expect(output.fetch).toHaveBeenCalledWith('/api/sse/sessions/nope/output', expect.anything());
    expect(wrapper.get('[data-testid="session-missing"]').attributes('data-reason')).toBe('unknown');
  });

  it('says it was removed when it goes while open, and moves focus to the message', async () => {
    const { wrapper, push } = await open('/sessions/done-1');
    const remove = wrapper.get('[data-testid="remove-button"]');
    (remove.element as HTMLElement).focus();
    push({ type: 'change', event: { type: 'session_removed', session: exited, at: 2 }, id: 'e2', at: 2 });
    await flushPromises();
    const missing = wrapper.get('[data-testid="session-missing"]');
    expect(missing.attributes('data-reason')).toBe('removed');
    expect(missing.text()).toContain('This session was removed, and its output with it.');
    expect(document.activeElement).toBe(missing.get('h2').element);
  });

  it('keeps showing the last known session while the server cannot be reached', async () => {
    const { wrapper, push } = await open('/sessions/run-1');
    push({ type: 'status', status: 'offline', error: 'Cannot reach the server.' });
    await flushPromises();
    expect(wrapper.find('[data-testid="session-missing"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="terminate-button"]').attributes('aria-disabled')).toBe('true');
  });
});

describe('back to the list', () => {
  it('gives focus to the row of the session it came from', async () => {
    const { wrapper, router } = await open('/sessions/done-1');
    await wrapper.get('[data-testid="back-to-list"]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.fullPath).toBe('/');
    const link = wrapper.get('[data-session-id="done-1"] [data-testid="session-link"]');
    expect(document.activeElement).toBe(link.element);
  });
});
