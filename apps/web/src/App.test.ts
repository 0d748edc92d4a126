import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, networkError } from '@sessionboard/client';
import App from './App.vue';
import { OUTPUT_CLIENT_FACTORY } from './composables/useSessionOutput.ts';
import { useSessionsStore } from './stores/useSessionsStore.ts';
import { fakeBackend, session } from './testing/fakeBackend.ts';
import { fakeOutput } from './testing/fakeOutput.ts';
import { testRouter } from './testing/testRouter.ts';

enableAutoUnmount(afterEach);

beforeEach(() => {
  setActivePinia(createPinia());
  document.body.innerHTML = '';
});

async function mountWith(fake: ReturnType<typeof fakeBackend>, path = '/') {
  const router = await testRouter(path);
  const store = useSessionsStore();
  store.startConnection(fake.backend);
  const wrapper = mount(App, { global: { plugins: [router] }, attachTo: document.body.appendChild(document.createElement('div')) });
  await flushPromises();
  return { wrapper, store, router, ...fake };
}

function mountApp(path = '/') {
  return mountWith(fakeBackend(), path);
}

const snapshot = (sessions: ReturnType<typeof session>[], lastEventId = 'e1', at = 1) =>
  ({ type: 'snapshot', sessions, lastEventId, heartbeatMs: 30_000, at }) as const;

describe('App', () => {
  it('shows the sessions and the indicator from the store', async () => {
    const { wrapper, push } = await mountApp();
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
    const { wrapper, push, client } = await mountApp();
    push({ type: 'status', status: 'offline', error: 'Cannot reach the server.' });
    await wrapper.vm.$nextTick();
    const banner = wrapper.get('[data-testid="error-banner"]');
    expect(banner.text()).toContain('Cannot reach the server. Retrying in the background.');
    await banner.get('button').trigger('click');
    expect(client.reconnect).toHaveBeenCalledTimes(1);
    expect(wrapper.get('[data-testid="empty-state"]').text()).toContain('Nothing to show yet');
  });

  it('shows a failed action until dismissed', async () => {
    const { wrapper, store, api, push } = await mountApp();
    push(snapshot([session({ id: 'x', name: 'x', status: 'exited', exitCode: 0, pid: null })]));
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
    const { wrapper, push } = await mountApp();
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
    const { wrapper, push, api, client } = await mountApp();
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
    const { wrapper, push, api, client } = await mountApp();
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
    const { wrapper } = await mountWith(fake);
    expect(fake.api.authStatus).toHaveBeenCalledTimes(1);
    expect(wrapper.find('[data-testid="sign-in-form"]').exists()).toBe(true);
  });

  it('signs out and asks for the token again', async () => {
    const fake = fakeBackend();
    fake.api.authStatus.mockResolvedValueOnce({ authRequired: true, authenticated: true });
    const { wrapper } = await mountWith(fake);
    expect(wrapper.find('[data-testid="sign-in-form"]').exists()).toBe(false);
    await wrapper.get('[data-testid="sign-out"]').trigger('click');
    await flushPromises();
    expect(fake.api.signOut).toHaveBeenCalledTimes(1);
    expect(wrapper.find('[data-testid="sign-in-form"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="sign-out"]').exists()).toBe(false);
  });

  it('shows no sign-out button when the server has no token', async () => {
    const { wrapper } = await mountApp();
    await flushPromises();
    expect(wrapper.find('[data-testid="sign-out"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="sign-in-form"]').exists()).toBe(false);
  });
});

describe('the sign-in screen', () => {
  it('shows a neutral “Sign-in needed”, not a red “Offline”, while the server answers', async () => {
    const { wrapper, push } = await mountApp();
    push({ type: 'status', status: 'offline', error: 'Sign in first.', authRequired: true });
    await wrapper.vm.$nextTick();
    const indicator = wrapper.get('[data-testid="connection-status"]');
    expect(indicator.attributes('data-state')).toBe('offline');
    expect(indicator.text()).toBe('Sign-in needed');
    expect(indicator.classes()).toContain('connection-status--signin');
    expect(indicator.classes()).not.toContain('connection-status--offline');
    expect(document.title).toBe('Sessionboard');
  });
});

describe('offline: the last known list, visibly stale', () => {
  const createdAt = '2025-01-01T13:00:00.000Z';
  const lastUpdateAt = Date.parse('2025-01-01T13:04:05.000Z');

  async function offlineWithList() {
    const mounted = await mountApp();
    mounted.push(
      snapshot(
        [
          session({ id: 'run', name: 'web', createdAt }),
          session({ id: 'done', name: 'build', status: 'exited', exitCode: 0, pid: null, createdAt }),
        ],
        'e1',
        lastUpdateAt,
      ),
    );
    mounted.push({ type: 'status', status: 'offline', error: 'Cannot reach the server.' });
    await mounted.wrapper.vm.$nextTick();
    return mounted;
  }

  it('keeps the rows, says when they were last known, and stops their ages', async () => {
    const { wrapper } = await offlineWithList();
    expect(wrapper.findAll('[data-testid="session-row"]')).toHaveLength(2);
    const time = new Date(lastUpdateAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    expect(wrapper.get('[data-testid="stale-notice"]').text()).toContain(`Last known at ${time}.`);
    expect(wrapper.get('.session-table').classes()).toContain('session-table--stale');
    expect(wrapper.findAll('.session-table-row__age').map((cell) => cell.text())).toEqual(['4m 05s', '4m 05s']);
  });

  it('turns every action off, saying why, and sends nothing', async () => {
    const { wrapper, api } = await offlineWithList();
    const reasonId = wrapper.get('[data-testid="stale-notice"]').attributes('id');
    const buttons = ['terminate-button', 'run-again-button', 'remove-button', 'clear-ended', 'submit-session'].map((id) =>
      wrapper.get(`[data-testid="${id}"]`),
    );
    for (const button of buttons) expect(button.attributes('aria-disabled')).toBe('true');
    expect(wrapper.get('[data-testid="terminate-button"]').attributes('aria-describedby')).toBe(reasonId);
    expect(wrapper.get('[data-testid="terminate-button"]').attributes('title')).toBe('Unavailable while the server cannot be reached.');
    expect(wrapper.get('[data-testid="start-unavailable"]').text()).toContain('Starting a session needs the server');
    for (const button of buttons) await button.trigger('click');
    await wrapper.get('[data-testid="command-input"]').setValue('ls');
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    await flushPromises();
    expect([api.terminateSession, api.removeSession, api.createSession].map((call) => call.mock.calls.length)).toEqual([0, 0, 0]);
    expect(wrapper.findAll('[data-testid="error-banner"]')).toHaveLength(1);
  });

  it('comes back to life with the connection', async () => {
    const { wrapper, push } = await offlineWithList();
    push({ type: 'status', status: 'live', error: null });
    await wrapper.vm.$nextTick();
    expect(wrapper.find('[data-testid="stale-notice"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="terminate-button"]').attributes('aria-disabled')).toBe('false');
    expect(wrapper.find('[data-testid="error-banner"]').exists()).toBe(false);
  });
});

describe('one error, one place', () => {
  it('shows a connection error under the form only until the offline banner tells of it', async () => {
    const { wrapper, push, api } = await mountApp();
    push({ type: 'status', status: 'live', error: null });
    api.createSession.mockRejectedValue(networkError(new TypeError('Failed to fetch')));
    await wrapper.get('[data-testid="command-input"]').setValue('ls');
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid="form-error"]').text()).toBe('Cannot reach the server (Failed to fetch).');
    push({ type: 'status', status: 'offline', error: 'Cannot reach the server.' });
    await wrapper.vm.$nextTick();
    expect(wrapper.find('[data-testid="form-error"]').exists()).toBe(false);
    expect(wrapper.findAll('[data-testid="error-banner"]').map((banner) => banner.text())).toEqual([
      expect.stringContaining('Cannot reach the server. Retrying in the background.'),
    ]);
    push({ type: 'status', status: 'live', error: null });
    await wrapper.vm.$nextTick();
    expect(wrapper.find('[data-testid="form-error"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="error-banner"]').exists()).toBe(false);
  });
});

describe('a restarted server', () => {
  it('says when it restarted and how many sessions are gone, until dismissed', async () => {
    const { wrapper, push } = await mountApp();
    push(snapshot([session({ id: 'a' }), session({ id: 'b' }), session({ id: 'c', status: 'exited', exitCode: 0, pid: null })], 'a-12'));
    push({ type: 'status', status: 'live', error: null });
    push({ type: 'status', status: 'offline', error: 'Cannot reach the server.' });
    const at = Date.parse('2025-01-01T13:10:00.000Z');
    push(snapshot([session({ id: 'n' })], 'b-1', at));
    push({ type: 'status', status: 'live', error: null });
    await wrapper.vm.$nextTick();
    const time = new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const notice = wrapper.get('[data-testid="restart-notice"]');
    expect(notice.text()).toContain(`The server restarted at ${time}; 3 sessions from before are gone.`);
    expect(wrapper.findAll('[data-testid="session-row"]').map((row) => row.attributes('data-session-id'))).toEqual(['n']);
    await notice.get('button[aria-label="Dismiss"]').trigger('click');
    expect(wrapper.find('[data-testid="restart-notice"]').exists()).toBe(false);
  });

  it('says nothing when the list is the same server’s', async () => {
    const { wrapper, push } = await mountApp();
    push(snapshot([session({ id: 'a' })], 'a-1'));
    push(snapshot([session({ id: 'a' }), session({ id: 'b' })], 'a-2'));
    await wrapper.vm.$nextTick();
    expect(wrapper.find('[data-testid="restart-notice"]').exists()).toBe(false);
  });
});

describe('the tab title', () => {
  it('shows what needs attention', async () => {
    const { wrapper, push } = await mountApp();
    expect(document.title).toBe('Sessionboard');
    push(
      snapshot([
        session({ id: 'a' }),
        session({ id: 'b', status: 'stopping' }),
        session({ id: 'c', status: 'failed', pid: null }),
        session({ id: 'd', status: 'exited', exitCode: 0, pid: null }),
      ]),
    );
    await wrapper.vm.$nextTick();
    expect(document.title).toBe('(2 running, 1 failed) Sessionboard');
  });

  it('names the session whose page is open', async () => {
    const fake = fakeBackend();
    fake.push(snapshot([session({ id: 'a', name: 'build' }), session({ id: 'b', name: 'other' })]));
    const router = await testRouter('/sessions/a');
    useSessionsStore().startConnection(fake.backend);
    mount(App, {
      global: { plugins: [router], provide: { [OUTPUT_CLIENT_FACTORY as symbol]: fakeOutput().factory } },
      attachTo: document.body.appendChild(document.createElement('div')),
    });
    await flushPromises();
    expect(document.title).toBe('(2 running) build · Sessionboard');
    await router.push('/');
    await flushPromises();
    expect(document.title).toBe('(2 running) Sessionboard');
  });
});
