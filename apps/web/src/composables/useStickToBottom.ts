import { onScopeDispose, shallowRef, watch } from 'vue';
import type { Ref } from 'vue';

/** Options of {@link useStickToBottom}. */
export interface UseStickToBottomOptions {
  /** How close to the bottom, in CSS px, still counts as at the bottom. @default 24 */
  thresholdPx?: number;
}

/** {@link useStickToBottom}'s result. */
export interface UseStickToBottomReturn {
  /** The view follows new content: it was at the bottom when last scrolled. */
  stuck: Readonly<Ref<boolean>>;
  /** Bind to the element's `scroll` event. */
  onScroll(): void;
  /** Call after the content changed (a `flush: 'post'` watcher): back to the bottom if stuck. */
  follow(): void;
  /** Scrolls to the bottom and follows again ("Jump to latest"). */
  jumpToLatest(): void;
}

/**
 * Keeps a scrolling element at its bottom as content is added, like a terminal, until the
 * person scrolls up; scrolling back down (or `jumpToLatest()`) follows again. A resize of
 * the element (a rotated phone, a wrapped toolbar) keeps a stuck view at the bottom.
 */
export function useStickToBottom(element: Readonly<Ref<HTMLElement | null>>, options: UseStickToBottomOptions = {}): UseStickToBottomReturn {
  const thresholdPx = options.thresholdPx ?? 24;
  const stuck = shallowRef(true);

  function toBottom(): void {
    const el = element.value;
    if (el !== null) el.scrollTop = el.scrollHeight;
  }

  function follow(): void {
    if (stuck.value) toBottom();
  }

  const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(() => follow()) : null;
  watch(
    element,
    (el, old) => {
      if (old) observer?.unobserve(old);
      if (el) observer?.observe(el);
    },
    { immediate: true },
  );
  onScopeDispose(() => observer?.disconnect());

  return {
    stuck,
    onScroll() {
      const el = element.value;
      if (el !== null) stuck.value = el.scrollHeight - el.scrollTop - el.clientHeight <= thresholdPx;
    },
    follow,
    jumpToLatest() {
      stuck.value = true;
      toBottom();
    },
  };
}
