import { effectScope } from 'vue';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PREFERENCE_KEYS, usePreferencesStore } from '../stores/usePreferencesStore.ts';
import { useTheme } from './useTheme.ts';

/** A `prefers-color-scheme: dark` query the test can flip. */
function fakeMedia(dark: boolean) {
  const listeners = new Set<(event: MediaQueryListEvent) => void>();
  const query = {
    matches: dark,
    addEventListener: (_type: string, listener: (event: MediaQueryListEvent) => void) => listeners.add(listener),
    removeEventListener: (_type: string, listener: (event: MediaQueryListEvent) => void) => listeners.delete(listener),
  } as unknown as MediaQueryList;
  return {
    matchMedia: () => query,
    listeners,
    flip(next: boolean) {
      for (const listener of listeners) listener({ matches: next } as MediaQueryListEvent);
    },
  };
}

beforeEach(() => {
  localStorage.clear();
  setActivePinia(createPinia());
});

afterEach(() => {
  localStorage.clear();
});

function run(dark: boolean) {
  const media = fakeMedia(dark);
  const root = document.createElement('html');
  const scope = effectScope();
  const theme = scope.run(() => useTheme({ matchMedia: media.matchMedia, root }))!;
  return { media, root, scope, theme };
}

describe('useTheme', () => {
  it('follows the system by default, as it changes', async () => {
    const { media, root, theme } = run(true);
    expect([theme.value, root.dataset['theme']]).toEqual(['dark', 'dark']);
    media.flip(false);
    await Promise.resolve();
    expect([theme.value, root.dataset['theme']]).toEqual(['light', 'light']);
  });

  it('applies a chosen theme whatever the system says, and remembers it', async () => {
    const { root } = run(true);
    usePreferencesStore().theme = 'light';
    await Promise.resolve();
    expect(root.dataset['theme']).toBe('light');
    expect(localStorage.getItem(PREFERENCE_KEYS.theme)).toBe('light');
  });

  it('starts from the remembered choice', () => {
    localStorage.setItem(PREFERENCE_KEYS.theme, 'dark');
    const { root } = run(false);
    expect(root.dataset['theme']).toBe('dark');
  });

  it('ignores a remembered value it does not know', () => {
    localStorage.setItem(PREFERENCE_KEYS.theme, 'sepia');
    expect(usePreferencesStore().theme).toBe('system');
  });

  it('stops listening when its scope ends', () => {
    const { media, scope } = run(false);
    expect(media.listeners.size).toBe(1);
    scope.stop();
    expect(media.listeners.size).toBe(0);
  });

  it('works without matchMedia, as light', () => {
    const root = document.createElement('html');
    effectScope().run(() => useTheme({ matchMedia: null, root }));
    expect(root.dataset['theme']).toBe('light');
  });
});
