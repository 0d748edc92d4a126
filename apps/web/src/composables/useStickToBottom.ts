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
  /** Call after the content changed: back to the bottom, in the next animation frame, if stuck. */
  follow(): void;
  /** Scrolls to the bottom and follows again ("Jump to latest"). */
  jumpToLatest(): void;
  /** Stops following, e.g. when the person goes to a search match. */
  release(): void;
}

/**
 * Keeps a scrolling element at its bottom as content is added, like a terminal, until the
 * person scrolls up; scrolling back down (or `jumpToLatest()`) follows again. A resize of
 * the element (a rotated phone, a wrapped toolbar) keeps a stuck view at the bottom.
 *
 * Measuring (`scrollHeight`, `scrollTop`) forces a layout, which for a large output costs
 * more than anything else here: it is done once an animation frame, when the frame needs a
 * layout anyway, however many updates and scroll events came in it. A scroll to where this
 * composable itself put the element is its own, not the person's, and changes nothing.
 */
export function useStickToBottom(element: Readonly<Ref<HTMLElement | null>>, options: UseStickToBottomOptions = {}): UseStickToBottomReturn {
  const thresholdPx = options.thresholdPx ?? 24;
  const stuck = shallowRef(true);
  // Where the last scroll to the bottom left the element; null when the person has moved it since.
  let ownTop: number | null = null;
  let scrolled = false;
  let frame: number | null = null;

  function toBottom(el: HTMLElement): void {
    el.scrollTop = el.scrollHeight;
    ownTop = el.scrollTop;
  }

  function onFrame(): void {
    frame = null;
    const el = element.value;
    if (el === null) return;
    if (scrolled) {
      scrolled = false;
      if (el.scrollTop !== ownTop) {
        ownTop = null;
        stuck.value = el.scrollHeight - el.scrollTop - el.clientHeight <= thresholdPx;
      }
    }
    if (stuck.value) toBottom(el);
  }

  function schedule(): void {
    frame ??= requestAnimationFrame(onFrame);
  }

  const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(() => schedule()) : null;
  watch(
    element,
    (el, old) => {
      if (old) observer?.unobserve(old);
      if (el) observer?.observe(el);
    },
    { immediate: true },
  );
  onScopeDispose(() => {
    observer?.disconnect();
    if (frame !== null) cancelAnimationFrame(frame);
  });

  return {
    stuck,
    onScroll() {
      scrolled = true;
      schedule();
    },
    follow() {
      if (stuck.value) schedule();
    },
    jumpToLatest() {
      stuck.value = true;
      const el = element.value;
      if (el !== null) toBottom(el);
    },
    release() {
      stuck.value = false;
      ownTop = null;
    },
  };
}
