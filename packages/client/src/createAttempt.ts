import type { ClientTimers } from './ClientEnvironment.ts';

/**
 * The scope of one mode of a live client. What the mode starts (requests, timers) ends
 * with it: a client holds exactly one current attempt and aborts it on every transition,
 * so an async continuation that finds its attempt aborted knows the client has moved on
 * and must change nothing.
 */
export interface Attempt {
  /** Aborted when the attempt ends; give it to every request and check it after every await. */
  readonly signal: AbortSignal;
  /** Runs `callback` once after `ms` unless the attempt ends first. Returns the cancel function. */
  setTimeout(callback: () => void, ms: number): () => void;
  /** A controller of its own (e.g. for a request with a timeout) that is aborted with the attempt. */
  childController(): AbortController;
  /** Ends the attempt: aborts `signal`, its child controllers and clears its timers. Idempotent. */
  abort(): void;
}

/** Starts an attempt whose timers are scheduled with `timers`. */
export function createAttempt(timers: ClientTimers): Attempt {
  const controller = new AbortController();
  // Pending timers and children by handle: cleared on abort without an abort listener each,
  // so a live stream re-arming its watchdog on every event does not pile up listeners.
  const pending = new Set<unknown>();
  const children = new Set<AbortController>();

  return {
    signal: controller.signal,
    setTimeout(callback, ms) {
      if (controller.signal.aborted) return () => {};
      const handle = timers.setTimeout(() => {
        if (!pending.delete(handle)) return;
        callback();
      }, ms);
      pending.add(handle);
      return () => {
        if (pending.delete(handle)) timers.clearTimeout(handle);
      };
    },
    childController() {
      const child = new AbortController();
      if (controller.signal.aborted) child.abort();
      else {
        children.add(child);
        child.signal.addEventListener('abort', () => children.delete(child), { once: true });
      }
      return child;
    },
    abort() {
      if (controller.signal.aborted) return;
      controller.abort();
      for (const handle of pending) timers.clearTimeout(handle);
      pending.clear();
      for (const child of [...children]) child.abort();
    },
  };
}
