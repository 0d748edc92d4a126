import { nextTick, onBeforeUnmount } from 'vue';
import type { Ref } from 'vue';

/**
 * Keeps focus from falling to `<body>` when the component goes away while focus is inside
 * it (a dismissed banner, an expired notice): focus then moves to `fallback()`, by default
 * the nearest enclosing `[data-focus-fallback]` element (the page's `<main>`).
 */
export function useFocusRescue(root: Readonly<Ref<HTMLElement | null>>, fallback?: () => HTMLElement | null | undefined): void {
  onBeforeUnmount(() => {
    const element = root.value;
    if (element === null || !element.contains(document.activeElement)) return;
    const target = fallback?.() ?? element.parentElement?.closest<HTMLElement>('[data-focus-fallback]') ?? null;
    void nextTick(() => {
      if (document.activeElement === null || document.activeElement === document.body) target?.focus();
    });
  });
}
