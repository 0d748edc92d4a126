import { enableAutoUnmount, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import App from './App.vue';
import { useSessionsStore } from './stores/useSessionsStore.ts';
import { fakeBackend, session } from './testing/fakeBackend.ts';

enableAutoUnmount(afterEach);

beforeEach(() => {
  setActivePinia(createPinia());
});

function mountApp() {
  const fake = fakeBackend();
  const store = useSessionsStore();
  store.startConnection(fake.backend);
  return { wrapper: mount(App), store, ...fake };
}

describe('App', () => {
  it('shows the sessions and the indicator from the store', async () => {
    const { wrapper, push } = mountApp();
    expect(wrapper.get('[data-testid="connection-status"]').attributes('data-state')).toBe('connecting');
    expect(wrapper.find('[data-testid="loading-state"]').exists()).toBe(true);
    push({ type: 'snapshot', sessions: [session({ id: 'a' }), session({ id: 'b', status: 'exited', exitCode: 0, pid: null })], lastEventId: 'e1', heartbeatMs: 30_000, at: 1 });
    push({ type: 'status', status: 'live', error: null });
    await wrapper.vm.$nextTick();
    expect(wrapper.get('[data-testid="connection-status"]').attributes('data-state')).toBe('live');
    expect(wrapper.findAll('[data-testid="session-row"]')).toHaveLength(2);
    expect(wrapper.get('[data-testid="session-counts"]').text()).toBe('1 running · 2 sessions');
  });

  it('shows an offline banner that retries at once', async () => {
    const { wrapper, push, client } = mountApp();
    push({ type: 'status', status: 'offline', error: 'Cannot reach the server.' });
    await wrapper.vm.$nextTick();
    const banner = wrapper.get('[data-testid="error-banner"]');
    expect(banner.text()).toContain('Cannot reach the server. Retrying in the background.');
    await banner.get('button').trigger('click');
    expect(client.reconnect).toHaveBeenCalledTimes(1);
    expect(wrapper.get('[data-testid="empty-state"]').text()).toContain('Nothing to show yet');
  });

  it('shows a failed action until dismissed', async () => {
    const { wrapper, store } = mountApp();
    store.actionError = 'Session "x" is not known to the server.';
    await wrapper.vm.$nextTick();
    expect(wrapper.get('[data-testid="error-banner"]').text()).toContain('Session "x" is not known to the server.');
    await wrapper.get('[data-testid="error-dismiss"]').trigger('click');
    expect(wrapper.find('[data-testid="error-banner"]').exists()).toBe(false);
  });
});
