import { onScopeDispose, shallowRef } from 'vue';
import type { Ref } from 'vue';

/**
 * The current time in epoch ms, refreshed every `intervalMs`; the timer ends with the
 * component (or effect scope) that called it.
 *
 * @param intervalMs @default 1000
 */
export function useNow(intervalMs = 1000): Readonly<Ref<number>> {
  const now = shallowRef(Date.now());
  const timer = setInterval(() => {
    now.value = Date.now();
  }, intervalMs);
  onScopeDispose(() => clearInterval(timer));
  return now;
}
