import { enableAutoUnmount, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import ConnectionStatus from './ConnectionStatus.vue';

enableAutoUnmount(afterEach);

const at = Date.parse('2025-01-01T10:11:12.000Z');

describe('ConnectionStatus', () => {
  it.each([
    ['live', 'Live', 'Live: changes arrive the moment they happen'],
    ['connecting', 'Connecting…', 'Connecting to the live stream'],
    ['polling', 'Polling every 10 s', 'the list is refreshed every 10 seconds'],
    ['offline', 'Offline', 'the server cannot be reached'],
  ] as const)('shows %s with its text, colour class and explanation', (status, label, explanation) => {
    const wrapper = mount(ConnectionStatus, { props: { status, lastUpdateAt: null, error: null } });
    const indicator = wrapper.get('[data-testid="connection-status"]');
    expect(indicator.attributes('data-state')).toBe(status);
    expect(indicator.classes()).toContain(`connection-status--${status}`);
    expect(indicator.get('.connection-status__label').text()).toBe(label);
    expect(indicator.attributes('title')).toContain(explanation);
    expect(indicator.attributes('aria-live')).toBe('polite');
    expect(indicator.attributes('role')).toBe('status');
  });

  it('shows the time of the last update', () => {
    const wrapper = mount(ConnectionStatus, { props: { status: 'live', lastUpdateAt: at, error: null } });
    const time = wrapper.get('time');
    expect(time.attributes('datetime')).toBe('2025-01-01T10:11:12.000Z');
    expect(time.text()).toBe(new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }));
  });

  it('shows no time before the first update', () => {
    const wrapper = mount(ConnectionStatus, { props: { status: 'connecting', lastUpdateAt: null, error: null } });
    expect(wrapper.find('time').exists()).toBe(false);
  });

  it('explains why it is not live in the title', () => {
    const wrapper = mount(ConnectionStatus, {
      props: { status: 'polling', lastUpdateAt: null, error: 'Live updates are turned off on this server.' },
    });
    expect(wrapper.get('[data-testid="connection-status"]').attributes('title')).toBe(
      'Polling: the live stream is unavailable, so the list is refreshed every 10 seconds. It switches back to live as soon as the stream returns.\nLive updates are turned off on this server.',
    );
  });

  it('shows a neutral “Sign-in needed” while the server wants a token', () => {
    const wrapper = mount(ConnectionStatus, {
      props: { status: 'offline', lastUpdateAt: null, error: 'Sign in first.', signInRequired: true },
    });
    const indicator = wrapper.get('[data-testid="connection-status"]');
    expect(indicator.attributes('data-state')).toBe('offline');
    expect(indicator.get('.connection-status__label').text()).toBe('Sign-in needed');
    expect(indicator.classes()).toEqual(['connection-status', 'connection-status--signin']);
    expect(indicator.attributes('title')).toBe('The server answers, and wants its access token before it shows sessions.');
  });
});
