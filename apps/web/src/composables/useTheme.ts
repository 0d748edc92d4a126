import { computed, onScopeDispose, shallowRef, watch } from 'vue';
import type { ComputedRef } from 'vue';
import { usePreferencesStore } from '../stores/usePreferencesStore.ts';

/** Dependencies of {@link useTheme}, for tests. */
export interface UseThemeOptions {
  /** @default window.matchMedia */
  matchMedia?: ((query: string) => MediaQueryList) | null;
  /** The element that gets `data-theme`. @default document.documentElement */
  root?: HTMLElement;
}

/**
 * Applies the theme: `<html data-theme="light|dark">` from the remembered preference, or
 * from `prefers-color-scheme` while it is `system` (following the system as it changes).
 * Returns the theme in effect. Call it in the root component, so the theme is set before
 * the first paint; the listener ends with that component.
 */
export function useTheme(options: UseThemeOptions = {}): ComputedRef<'light' | 'dark'> {
  const preferences = usePreferencesStore();
  const matchMedia = options.matchMedia === undefined ? (globalThis.matchMedia?.bind(globalThis) ?? null) : options.matchMedia;
  const root = options.root ?? document.documentElement;
  const query = matchMedia?.('(prefers-color-scheme: dark)') ?? null;
  const systemDark = shallowRef(query?.matches ?? false);
  const onChange = (event: MediaQueryListEvent) => {
    systemDark.value = event.matches;
  };
  query?.addEventListener('change', onChange);
  onScopeDispose(() => query?.removeEventListener('change', onChange));

  const theme = computed(() => (preferences.theme === 'system' ? (systemDark.value ? 'dark' : 'light') : preferences.theme));
  watch(
    theme,
    (value) => {
      root.dataset['theme'] = value;
    },
    { immediate: true },
  );
  return theme;
}
