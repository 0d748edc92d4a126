import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '@sessionboard/protocol';
import { CLEAR_ENDED, useSessionsStore } from '../stores/useSessionsStore.ts';
import { fakeBackend, session } from '../testing/fakeBackend.ts';
import { testRouter } from '../testing/testRouter.ts';
import SessionListView from './SessionListView.vue';

enableAutoUnmount(afterEach);

beforeEach(() => {
  setActivePinia(createPinia());
  document.body.innerHTML = '';
});

const list = [
  session({ id: 'web', name: 'web', createdAt: '2025-01-01T10:05:00.000Z' }),
  session({ id: 'build', name: 'build', command: ['make'], status: 'exited', exitCode: 2, pid: null, createdAt: '2025-01-01T10:04:00.000Z' }),
  session({ id: 'typo', name: 'typo', command: ['mkae'], status: 'failed', pid: null, createdAt: '2025-01-01T10:03:00.000Z' }),
  session({ id: 'gone', name: 'worker', status: 'lost', pid: null, createdAt: '2025-01-01T10:02:00.000Z' }),
  session({ id: 'api', name: 'api', command: ['node', 'api.js'], createdAt: '2025-01-01T10:01:00.000Z' }),
];

async function mountView(sessions: Session[] = list, path = '/') {
  const fake = fakeBackend();
  fake.push({ type: 'snapshot', sessions, lastEventId: 'e1', heartbeatMs: null, at: 1 });
  fake.push({ type: 'status', status: 'live', error: null });
  const router = await testRouter(path);
  useSessionsStore().startConnection(fake.backend);
  const wrapper = mount(SessionListView, {
    global: { plugins: [router] },
    attachTo: document.body.appendChild(document.createElement('main')),
  });
  await flushPromises();
  return { wrapper, router, ...fake };
}

const shownIds = (wrapper: Awaited<ReturnType<typeof mountView>>['wrapper']) =>
  wrapper.findAll('[data-testid="session-row"]').map((row) => row.attributes('data-session-id'));

describe('filters in the address', () => {
  it('shows each filter with its count', async () => {
    const { wrapper } = await mountView();
    const counts = ['all', 'running', 'ended', 'failed', 'lost'].map((filter) => wrapper.get(`[data-testid="filter-count-${filter}"]`).text());
    expect(counts).toEqual(['5', '2', '1', '1', '1']);
    expect(wrapper.get('[data-testid="status-filter"]').text()).toContain('Lost');
  });

  it('reads status, text and order from the address', async () => {
    const { wrapper } = await mountView(list, '/?status=running&sort=name');
    expect(shownIds(wrapper)).toEqual(['api', 'web']);
    expect((wrapper.get('[data-testid="filter-running"]').element as HTMLInputElement).checked).toBe(true);
    expect((wrapper.get('[data-testid="sort-select"]').element as HTMLSelectElement).value).toBe('name');
  });

  it('writes a chosen filter and order to the address', async () => {
    const { wrapper, router } = await mountView();
    await wrapper.get('[data-testid="filter-lost"]').setValue(true);
    await flushPromises();
    expect(router.currentRoute.value.fullPath).toBe('/?status=lost');
    expect(shownIds(wrapper)).toEqual(['gone']);
    await wrapper.get('[data-testid="sort-select"]').setValue('name');
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ status: 'lost', sort: 'name' });
  });

  it('searches name and command once typing pauses', async () => {
    vi.useFakeTimers();
    try {
      const { wrapper, router } = await mountView();
      await wrapper.get('[data-testid="search-input"]').setValue('node');
      expect(shownIds(wrapper)).toHaveLength(5);
      await vi.advanceTimersByTimeAsync(250);
      await flushPromises();
      expect(router.currentRoute.value.query).toEqual({ q: 'node' });
      expect(shownIds(wrapper)).toEqual(['api']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('says when nothing matches, and shows all again', async () => {
    const { wrapper, router } = await mountView(list, '/?q=nothing-like-it');
    expect(wrapper.get('[data-testid="no-matches"]').text()).toContain('5 sessions are hidden by the filter or search.');
    await wrapper.get('[data-testid="clear-filters"]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.fullPath).toBe('/');
    expect(shownIds(wrapper)).toHaveLength(5);
  });
});

describe('instances', () => {
  it('shows no Instance column while every session is from one instance', async () => {
    const { wrapper } = await mountView();
    expect(wrapper.find('[data-testid="instance-column"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="session-instance"]').exists()).toBe(false);
  });

  it('shows each session’s instance when the list holds several', async () => {
    const { wrapper } = await mountView([session({ id: 'a', instance: 'host-a:4021' }), session({ id: 'b', instance: 'host-b:4021' })]);
    expect(wrapper.get('[data-testid="instance-column"]').text()).toBe('Instance');
    expect(wrapper.findAll('[data-testid="session-instance"]').map((cell) => cell.text())).toEqual(['host-a:4021', 'host-b:4021']);
  });
});

describe('clear ended', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hides the ended sessions with an undo, then removes them', async () => {
    vi.useFakeTimers();
    const { wrapper, api } = await mountView();
    api.removeSession.mockResolvedValue(null);
    await wrapper.get('[data-testid="clear-ended"]').trigger('click');
    expect(shownIds(wrapper)).toEqual(['web', 'api']);
    expect(wrapper.get('[data-testid="clear-notice"]').text()).toContain('Cleared 3 ended sessions.');
    expect(wrapper.get('[data-testid="clear-ended"]').attributes('aria-disabled')).toBe('true');
    await vi.advanceTimersByTimeAsync(CLEAR_ENDED.undoMs);
    await flushPromises();
    expect(api.removeSession.mock.calls.map(([id]) => id).sort()).toEqual(['build', 'gone', 'typo']);
    expect(wrapper.find('[data-testid="clear-notice"]').exists()).toBe(false);
  });

  it('brings them back on undo', async () => {
    vi.useFakeTimers();
    const { wrapper, api } = await mountView();
    await wrapper.get('[data-testid="clear-ended"]').trigger('click');
    await wrapper.get('[data-testid="clear-notice"] button').trigger('click');
    expect(shownIds(wrapper)).toEqual(['web', 'build', 'typo', 'gone', 'api']);
    await vi.advanceTimersByTimeAsync(CLEAR_ENDED.undoMs);
    expect(api.removeSession).not.toHaveBeenCalled();
  });
});

describe('focus', () => {
  it('moves to the next row’s action after Remove', async () => {
    const { wrapper, api } = await mountView();
    api.removeSession.mockResolvedValue(null);
    const remove = wrapper.get('[data-session-id="build"] [data-testid="remove-button"]');
    (remove.element as HTMLElement).focus();
    await remove.trigger('click');
    await flushPromises();
    expect(shownIds(wrapper)).not.toContain('build');
    expect(document.activeElement).toBe(wrapper.get('[data-session-id="typo"] [data-testid="run-again-button"]').element);
  });

  it('moves to the list heading after removing the last row', async () => {
    const { wrapper, api } = await mountView([session({ id: 'only', status: 'exited', exitCode: 0, pid: null })]);
    api.removeSession.mockResolvedValue(null);
    const remove = wrapper.get('[data-testid="remove-button"]');
    (remove.element as HTMLElement).focus();
    await remove.trigger('click');
    await flushPromises();
    expect(document.activeElement?.textContent).toBe('Sessions');
    expect(document.activeElement?.tagName).toBe('H2');
  });

  it('moves to the next row after Terminate, as the terminated one goes on stopping', async () => {
    const { wrapper, api } = await mountView();
    api.terminateSession.mockResolvedValue({ ...list[0]!, status: 'stopping', updatedAt: '2025-01-01T11:00:00.000Z' });
    const terminate = wrapper.get('[data-session-id="web"] [data-testid="terminate-button"]');
    (terminate.element as HTMLElement).focus();
    await terminate.trigger('click');
    await flushPromises();
    expect(wrapper.get('[data-session-id="web"]').attributes('data-status')).toBe('stopping');
    expect(document.activeElement).toBe(wrapper.get('[data-session-id="build"] [data-testid="run-again-button"]').element);
  });

  it('stays in the row when its button changes under it', async () => {
    const { wrapper, push } = await mountView();
    (wrapper.get('[data-session-id="web"] [data-testid="terminate-button"]').element as HTMLElement).focus();
    push({
      type: 'change',
      event: { type: 'session_updated', session: { ...list[0]!, status: 'exited', exitCode: 0, pid: null }, at: 2 },
      id: 'e2',
      at: 2,
    });
    await flushPromises();
    expect(document.activeElement).toBe(wrapper.get('[data-session-id="web"] [data-testid="run-again-button"]').element);
  });
});
