import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '@sessionboard/client';
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
    const { wrapper, store, api } = mountApp();
    api.removeSession.mockRejectedValue(new ApiError(404, 'not_found', 'Session "x" is not known to the server.'));
    await store.removeSession('x');
    await wrapper.vm.$nextTick();
    expect(wrapper.get('[data-testid="error-banner"]').text()).toContain('Session "x" is not known to the server.');
    await wrapper.get('[data-testid="error-dismiss"]').trigger('click');
    expect(wrapper.find('[data-testid="error-banner"]').exists()).toBe(false);
  });
});

describe('sign-in', () => {
  const refusal = 'Sign in first: send "Authorization: Bearer <AUTH_TOKEN>", or sign in with POST /api/auth/login.';

  it('shows the sign-in form instead of the sessions when the stream is refused with 401', async () => {
    const { wrapper, push } = mountApp();
    await flushPromises();
    push({ type: 'status', status: 'offline', error: refusal, authRequired: true });
    await wrapper.vm.$nextTick();
    expect(wrapper.find('[data-testid="sign-in-form"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="new-session-form"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="empty-state"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="error-banner"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="sign-out"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="session-counts"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="connection-status"]').attributes('data-state')).toBe('offline');
  });

  it('signs in, has the client reconnect, and shows the live sessions with a sign-out button', async () => {
    const { wrapper, push, api, client } = mountApp();
    push({ type: 'status', status: 'offline', error: refusal, authRequired: true });
    await wrapper.vm.$nextTick();
    await wrapper.get('[data-testid="token-input"]').setValue('tok-0123456789abcdef');
    await wrapper.get('[data-testid="sign-in-form"]').trigger('submit');
    await flushPromises();
    expect(api.signIn).toHaveBeenCalledExactlyOnceWith('tok-0123456789abcdef');
    expect(client.reconnect).toHaveBeenCalledTimes(1);
    // What the client does once reconnect() opens the stream.
    push({ type: 'status', status: 'connecting', error: null });
    push({ type: 'snapshot', sessions: [session({ id: 'a' })], lastEventId: 'e1', heartbeatMs: 30_000, at: 1 });
    push({ type: 'status', status: 'live', error: null });
    await wrapper.vm.$nextTick();
    expect(wrapper.find('[data-testid="sign-in-form"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="connection-status"]').attributes('data-state')).toBe('live');
    expect(wrapper.findAll('[data-testid="session-row"]')).toHaveLength(1);
    expect(wrapper.get('[data-testid="sign-out"]').text()).toBe('Sign out');
  });

  it('keeps the form, with the server’s words, for a wrong token', async () => {
    const { wrapper, push, api, client } = mountApp();
    push({ type: 'status', status: 'offline', error: refusal, authRequired: true });
    api.signIn.mockRejectedValueOnce(new ApiError(401, 'unauthorized', "That is not this server's AUTH_TOKEN."));
    await wrapper.vm.$nextTick();
    await wrapper.get('[data-testid="token-input"]').setValue('wrong-token-0123456789');
    await wrapper.get('[data-testid="sign-in-form"]').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe("That is not this server's AUTH_TOKEN.");
    expect(wrapper.find('[data-testid="sign-in-form"]').exists()).toBe(true);
    expect(client.reconnect).not.toHaveBeenCalled();
  });

  it('asks for the token at once when the auth status says this browser is not signed in', async () => {
    const fake = fakeBackend();
    fake.api.authStatus.mockResolvedValueOnce({ authRequired: true, authenticated: false });
    useSessionsStore().startConnection(fake.backend);
    const wrapper = mount(App);
    await flushPromises();
    expect(fake.api.authStatus).toHaveBeenCalledTimes(1);
    expect(wrapper.find('[data-testid="sign-in-form"]').exists()).toBe(true);
  });

  it('signs out and asks for the token again', async () => {
    const fake = fakeBackend();
    fake.api.authStatus.mockResolvedValueOnce({ authRequired: true, authenticated: true });
    useSessionsStore().startConnection(fake.backend);
    const wrapper = mount(App);
    await flushPromises();
    expect(wrapper.find('[data-testid="sign-in-form"]').exists()).toBe(false);
    await wrapper.get('[data-testid="sign-out"]').trigger('click');
    await flushPromises();
    expect(fake.api.signOut).toHaveBeenCalledTimes(1);
    expect(wrapper.find('[data-testid="sign-in-form"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="sign-out"]').exists()).toBe(false);
  });

  it('shows no sign-out button when the server has no token', async () => {
    const { wrapper } = mountApp();
    await flushPromises();
    expect(wrapper.find('[data-testid="sign-out"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="sign-in-form"]').exists()).toBe(false);
  });
});
