import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import { ApiError } from '@sessionboard/client';
import type { Session } from '@sessionboard/protocol';
import { createAppRouter } from '../router/createAppRouter.ts';
import { useSessionsStore } from '../stores/useSessionsStore.ts';
import { fakeBackend, session } from '../testing/fakeBackend.ts';
import SessionTable from './SessionTable.vue';
import SessionTableRow from './SessionTableRow.vue';

enableAutoUnmount(afterEach);

const now = Date.parse('2025-01-01T10:03:05.000Z');

beforeEach(() => {
  setActivePinia(createPinia());
});

function mountTable(sessions: Session[], props: { loading?: boolean; offline?: boolean } = {}) {
  const fake = fakeBackend();
  useSessionsStore().startConnection(fake.backend);
  const router = createAppRouter(createMemoryHistory());
  const wrapper = mount(SessionTable, { props: { sessions, loading: false, offline: false, ...props }, global: { plugins: [router] } });
  return { wrapper, router, ...fake };
}

function mountRow(row: Session) {
  const fake = fakeBackend();
  useSessionsStore().startConnection(fake.backend);
  const table = document.createElement('tbody');
  document.body.append(table);
  const router = createAppRouter(createMemoryHistory());
  const wrapper = mount(SessionTableRow, { props: { session: row, now }, attachTo: table, global: { plugins: [router] } });
  return { wrapper, router, ...fake };
}

describe('rows', () => {
  it('carries the test hooks for each session', () => {
    const { wrapper } = mountTable([session({ id: 'a' }), session({ id: 'b', status: 'failed', pid: null })]);
    const rows = wrapper.findAll('[data-testid="session-row"]');
    expect(rows.map((row) => [row.attributes('data-session-id'), row.attributes('data-status')])).toEqual([
      ['a', 'running'],
      ['b', 'failed'],
    ]);
  });

  it('shows name, command, cwd, badge, pid and age of a running session', () => {
    const { wrapper } = mountRow(session({ name: 'greeter', command: ['sh', '-c', 'echo hi; sleep 5'], cwd: '/srv/app' }));
    const cells = wrapper.findAll('td').map((cell) => cell.text());
    expect(cells).toEqual(['running', 'greeter', `sh -c 'echo hi; sleep 5'`, '/srv/app', '4242', '—', '3m 05s', 'Terminate']);
  });

  it.each([
    [{ status: 'exited', exitCode: 0 }, 'exit 0', 'ok'],
    [{ status: 'exited', exitCode: 3 }, 'exit 3', 'bad'],
    [{ status: 'exited', signal: 'SIGTERM' }, 'SIGTERM', 'none'],
    [{ status: 'failed', error: 'spawn nope ENOENT' }, 'spawn nope ENOENT', 'bad'],
    [{ status: 'lost' }, 'unknown', 'none'],
  ] as const)('shows how it ended (%#)', (overrides, text, tone) => {
    const { wrapper } = mountRow(session({ pid: null, ...overrides }));
    const result = wrapper.get('.session-table-row__result');
    expect(result.text()).toBe(text);
    expect(result.classes()).toContain(`session-table-row__result--${tone}`);
    expect(wrapper.get('[data-testid="remove-button"]').text()).toBe('Remove');
    expect(wrapper.get('[data-testid="run-again-button"]').text()).toBe('Run again');
    expect(wrapper.find('[data-testid="terminate-button"]').exists()).toBe(false);
  });

  it('gives lost its own badge, told apart by text and colour', () => {
    const { wrapper } = mountRow(session({ status: 'lost', pid: null }));
    const badge = wrapper.get('.session-status-badge');
    expect(badge.text()).toBe('lost');
    expect(badge.classes()).toContain('session-status-badge--lost');
    expect(badge.attributes('title')).toContain('stopped answering');
    expect(wrapper.get('[data-testid="session-row"]').attributes('data-status')).toBe('lost');
  });
});

describe('buttons', () => {
  it('terminate calls DELETE for the session', async () => {
    const { wrapper, api } = mountRow(session({ id: 'run-1' }));
    api.terminateSession.mockResolvedValue(null);
    await wrapper.get('[data-testid="terminate-button"]').trigger('click');
    await flushPromises();
    expect(api.terminateSession).toHaveBeenCalledWith('run-1');
  });

  it('remove calls DELETE for an ended session', async () => {
    const { wrapper, api } = mountRow(session({ id: 'done-1', status: 'exited', exitCode: 0, pid: null }));
    api.removeSession.mockResolvedValue(null);
    await wrapper.get('[data-testid="remove-button"]').trigger('click');
    await flushPromises();
    expect(api.removeSession).toHaveBeenCalledWith('done-1');
  });

  it('is inert, but keeps focus, while the request runs', async () => {
    const { wrapper, api } = mountRow(session());
    let answer: (value: null) => void = () => {};
    api.terminateSession.mockReturnValue(new Promise((resolve) => (answer = resolve)));
    const button = wrapper.get('[data-testid="terminate-button"]');
    await button.trigger('click');
    expect(button.attributes('aria-disabled')).toBe('true');
    expect(button.attributes('disabled')).toBeUndefined();
    await button.trigger('click');
    expect(api.terminateSession).toHaveBeenCalledTimes(1);
    answer(null);
    await flushPromises();
    expect(button.attributes('aria-disabled')).toBe('false');
  });

  it('offers Kill now while stopping, which sends SIGKILL', async () => {
    const { wrapper, api } = mountRow(session({ id: 'stuck', name: 'stuck', status: 'stopping' }));
    api.killSession.mockResolvedValue(session({ id: 'stuck', status: 'exited', signal: 'SIGKILL', pid: null }));
    expect(wrapper.find('[data-testid="terminate-button"]').exists()).toBe(false);
    const kill = wrapper.get('[data-testid="kill-button"]');
    expect(kill.text()).toBe('Kill now');
    expect(kill.attributes('aria-label')).toBe('Kill stuck now');
    await kill.trigger('click');
    await flushPromises();
    expect(api.killSession).toHaveBeenCalledExactlyOnceWith('stuck');
    expect(api.terminateSession).not.toHaveBeenCalled();
  });

  it('runs an ended session again with its command, name and directory', async () => {
    const ended = session({ id: 'done', name: 'build', command: ['make', 'all'], cwd: '/srv/app', status: 'exited', exitCode: 2, pid: null });
    const { wrapper, api } = mountRow(ended);
    api.createSession.mockResolvedValue(session({ id: 'again' }));
    await wrapper.get('[data-testid="run-again-button"]').trigger('click');
    await flushPromises();
    expect(api.createSession).toHaveBeenCalledExactlyOnceWith({ command: ['make', 'all'], name: 'build', cwd: '/srv/app' });
    expect(wrapper.emitted('acted')).toEqual([['run-again', true]]);
  });

  it('leaves a failure for the error banner', async () => {
    const { wrapper, api } = mountRow(session());
    api.terminateSession.mockRejectedValue(new ApiError(429, 'rate_limited', 'Too many requests; try again in 20 s.'));
    await wrapper.get('[data-testid="terminate-button"]').trigger('click');
    await flushPromises();
    expect(useSessionsStore().actionError).toBe('Too many requests; try again in 20 s.');
  });
});

describe('opening a session', () => {
  it('links the name to the session’s page', () => {
    const { wrapper } = mountRow(session({ id: 'abc-1', name: 'greeter' }));
    const link = wrapper.get('[data-testid="session-link"]');
    expect(link.text()).toBe('greeter');
    expect(link.attributes('href')).toBe('/sessions/abc-1');
  });

  it('opens it on a click anywhere on the row but its buttons', async () => {
    const { wrapper, router, api } = mountRow(session({ id: 'abc-1' }));
    api.terminateSession.mockResolvedValue(null);
    await wrapper.get('[data-testid="terminate-button"]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.path).toBe('/');
    await wrapper.get('.session-table-row__command').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.fullPath).toBe('/sessions/abc-1');
  });

  it('leaves a modified click to the browser, and a click that ends a text selection alone', async () => {
    const { wrapper, router } = mountRow(session({ id: 'abc-1' }));
    await wrapper.get('.session-table-row__cwd').trigger('click', { ctrlKey: true });
    const cell = wrapper.get('.session-table-row__cwd code').element;
    const range = document.createRange();
    range.selectNodeContents(cell);
    getSelection()!.addRange(range);
    await wrapper.get('.session-table-row__cwd').trigger('click');
    getSelection()!.removeAllRanges();
    await flushPromises();
    expect(router.currentRoute.value.path).toBe('/');
  });

  it('opens it on Enter on the row itself', async () => {
    const { wrapper, router } = mountRow(session({ id: 'abc-1' }));
    await wrapper.get('[data-testid="terminate-button"]').trigger('keydown', { key: 'Enter' });
    await flushPromises();
    expect(router.currentRoute.value.path).toBe('/');
    await wrapper.get('[data-testid="session-row"]').trigger('keydown', { key: 'Enter' });
    await flushPromises();
    expect(router.currentRoute.value.fullPath).toBe('/sessions/abc-1');
  });

  it('gives focus back to a session’s link, or to the heading when its row is gone', () => {
    const { wrapper } = mountTable([session({ id: 'a' }), session({ id: 'b' })]);
    document.body.append(wrapper.element);
    (wrapper.vm as unknown as { focusSession(id: string): void }).focusSession('b');
    expect(document.activeElement).toBe(wrapper.get('[data-session-id="b"] [data-testid="session-link"]').element);
    (wrapper.vm as unknown as { focusSession(id: string): void }).focusSession('gone');
    expect(document.activeElement?.textContent).toBe('Sessions');
  });
});

describe('placeholders', () => {
  it('shows loading before the first update', () => {
    const { wrapper } = mountTable([], { loading: true });
    expect(wrapper.get('[data-testid="loading-state"]').text()).toBe('Loading sessions…');
    expect(wrapper.find('[data-testid="empty-state"]').exists()).toBe(false);
  });

  it('shows the empty state when there are no sessions', () => {
    const { wrapper } = mountTable([]);
    expect(wrapper.get('[data-testid="empty-state"]').text()).toContain('No sessions yet');
    expect(wrapper.find('table').exists()).toBe(false);
  });

  it('says why the list is empty while offline', () => {
    const { wrapper } = mountTable([], { offline: true });
    expect(wrapper.get('[data-testid="empty-state"]').text()).toContain('Sessions appear here as soon as the server answers.');
  });
});
