import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

/** The theme a person chose; `system` follows the operating system's light or dark setting. */
export const THEME_PREFERENCES = ['system', 'light', 'dark'] as const;
export type ThemePreference = (typeof THEME_PREFERENCES)[number];

/** The `localStorage` keys the preferences are remembered under. */
export const PREFERENCE_KEYS = { theme: 'sessionboard.theme', notifications: 'sessionboard.notifications' } as const;

function read(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    // Storage refused (privacy settings, a sandboxed frame): nothing is remembered.
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value);
  } catch {
    // As above: the choice lasts for this page only.
  }
}

/**
 * This browser's display preferences, remembered in `localStorage`: the theme
 * (@default 'system') and whether to show browser notifications when a session fails
 * (@default false; the permission itself is the browser's, asked for by the setting).
 */
export const usePreferencesStore = defineStore('preferences', () => {
  const stored = read(PREFERENCE_KEYS.theme);
  const theme = ref<ThemePreference>(THEME_PREFERENCES.includes(stored as ThemePreference) ? (stored as ThemePreference) : 'system');
  const notifications = ref(read(PREFERENCE_KEYS.notifications) === 'on');

  watch(theme, (value) => write(PREFERENCE_KEYS.theme, value));
  watch(notifications, (value) => write(PREFERENCE_KEYS.notifications, value ? 'on' : 'off'));

  return { theme, notifications };
});
