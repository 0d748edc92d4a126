import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PREFERENCE_KEYS, usePreferencesStore } from '../stores/usePreferencesStore.ts';
import AppSettings from './AppSettings.vue';

enableAutoUnmount(afterEach);

beforeEach(() => {
  localStorage.clear();
  setActivePinia(createPinia());
});

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

function stubNotification(permission: NotificationPermission, answer: NotificationPermission = permission) {
  const requestPermission = vi.fn(async () => answer);
  vi.stubGlobal('Notification', { permission, requestPermission });
  return requestPermission;
}

describe('theme', () => {
  it('follows the system until a theme is chosen, and remembers the choice', async () => {
    const wrapper = mount(AppSettings);
    expect((wrapper.get('[data-testid="theme-system"]').element as HTMLInputElement).checked).toBe(true);
    await wrapper.get('[data-testid="theme-dark"]').setValue(true);
    expect(usePreferencesStore().theme).toBe('dark');
    await flushPromises();
    expect(localStorage.getItem(PREFERENCE_KEYS.theme)).toBe('dark');
  });
});

describe('notifications', () => {
  it('are off by default and ask for nothing on load', () => {
    const requestPermission = stubNotification('default');
    const wrapper = mount(AppSettings);
    expect((wrapper.get('[data-testid="notifications-toggle"]').element as HTMLInputElement).checked).toBe(false);
    expect(requestPermission).not.toHaveBeenCalled();
  });

  it('ask the browser for permission when turned on, and stay on once granted', async () => {
    const requestPermission = stubNotification('default', 'granted');
    const wrapper = mount(AppSettings);
    await wrapper.get('[data-testid="notifications-toggle"]').setValue(true);
    await flushPromises();
    expect(requestPermission).toHaveBeenCalledTimes(1);
    expect(usePreferencesStore().notifications).toBe(true);
    expect(localStorage.getItem(PREFERENCE_KEYS.notifications)).toBe('on');
    await wrapper.get('[data-testid="notifications-toggle"]').setValue(false);
    expect(usePreferencesStore().notifications).toBe(false);
  });

  it('stay off, saying why, when the browser refuses', async () => {
    stubNotification('default', 'denied');
    const wrapper = mount(AppSettings);
    await wrapper.get('[data-testid="notifications-toggle"]').setValue(true);
    await flushPromises();
    expect(usePreferencesStore().notifications).toBe(false);
    expect((wrapper.get('[data-testid="notifications-toggle"]').element as HTMLInputElement).checked).toBe(false);
    expect(wrapper.get('[data-testid="notifications-help"]').text()).toContain('blocks notifications for this site');
  });

  it('cannot be turned on without the Notification API', () => {
    vi.stubGlobal('Notification', undefined);
    const wrapper = mount(AppSettings);
    expect(wrapper.get('[data-testid="notifications-toggle"]').attributes('disabled')).toBe('');
    expect(wrapper.get('[data-testid="notifications-help"]').text()).toBe('This browser cannot show notifications.');
  });
});

describe('the panel', () => {
  it('closes on Escape and gives focus back to its button', async () => {
    const wrapper = mount(AppSettings, { attachTo: document.body });
    const details = wrapper.get('[data-testid="settings"]').element as HTMLDetailsElement;
    details.open = true;
    (wrapper.get('[data-testid="theme-light"]').element as HTMLElement).focus();
    await wrapper.get('[data-testid="theme-light"]').trigger('keydown', { key: 'Escape' });
    expect(details.open).toBe(false);
    expect(document.activeElement).toBe(wrapper.get('[data-testid="settings-toggle"]').element);
  });
});
