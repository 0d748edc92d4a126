import { computed, inject, onScopeDispose, shallowRef, watch } from 'vue';
import type { ComputedRef, InjectionKey, Ref, ShallowRef } from 'vue';
import { createOutputClient, createOutputState } from '@sessionboard/client';
import type { OutputClient, OutputClientOptions, OutputState } from '@sessionboard/client';

/** Makes the output client of a session; the app's default is `@sessionboard/client`'s `createOutputClient`. */
export type OutputClientFactory = (options: OutputClientOptions) => OutputClient;

/** Provide another {@link OutputClientFactory} (tests: one with a fake `EventSource` and `fetch`). */
export const OUTPUT_CLIENT_FACTORY: InjectionKey<OutputClientFactory> = Symbol('outputClientFactory');

/** What the output view's `data-state` says (PROTOCOL.md's test hook). */
export type ShownOutputState = 'live' | 'polling' | 'ended';

/** Options of {@link useSessionOutput}. */
export interface UseSessionOutputOptions {
  /** The server's heartbeat interval, once known (the sessions stream's snapshot says it). @default unknown: 30 s */
  heartbeatMs?: Readonly<Ref<number | null>>;
  /** False holds the client back (not created, not started) until it turns true. @default always ready */
  ready?: Readonly<Ref<boolean>>;
  /** @default the injected {@link OUTPUT_CLIENT_FACTORY}, else createOutputClient */
  createClient?: OutputClientFactory;
  /** Whose visibility decides whether output is followed. @default document */
  document?: Document;
  /** Whose `online` event retries at once. @default window */
  window?: Window;
}

/** {@link useSessionOutput}'s result. */
export interface UseSessionOutputReturn {
  /** The client's state: output segments, offset, follow state, the final session. */
  state: Readonly<ShallowRef<OutputState>>;
  /**
   * `data-state`: `live` or `polling` as the client last was (so a brief reconnect, a hidden
   * tab or an outage keep the last way output came), `ended` once all output is in; null
   * until the output first came one of those ways.
   */
  shown: ComputedRef<ShownOutputState | null>;
  /** Retries now (after a sign-in, a "retry" click). */
  reconnect(): void;
}

/**
 * Follows the output of session `sessionId` while the calling component lives: a fresh
 * client for each id (the old one stopped), live over the output stream or, where that
 * cannot be, by polling every 2 s (the client decides). A hidden tab stops following
 * (`visibilitychange` → `pause()`) and picks up from its offset when shown again; a tab
 * hidden from the start starts when first shown. The browser's `online` retries at once.
 */
export function useSessionOutput(sessionId: Readonly<Ref<string>>, options: UseSessionOutputOptions = {}): UseSessionOutputReturn {
  const createClient = options.createClient ?? inject(OUTPUT_CLIENT_FACTORY, null) ?? createOutputClient;
  const doc = options.document ?? document;
  const win = options.window ?? window;
  const state = shallowRef<OutputState>(createOutputState(sessionId.value));
  const lastShown = shallowRef<ShownOutputState | null>(null);
  let client: OutputClient | null = null;
  let unsubscribe: () => void = () => {};
  let started = false;

  function apply(next: OutputState): void {
    state.value = next;
    if (next.state === 'live' || next.state === 'polling' || next.state === 'ended') lastShown.value = next.state;
  }

  function close(): void {
    unsubscribe();
    unsubscribe = () => {};
    client?.stop();
    client = null;
    started = false;
  }

  function open(id: string): void {
    close();
    lastShown.value = null;
    client = createClient({ sessionId: id, heartbeatMs: options.heartbeatMs?.value ?? null });
    apply(client.getState());
    unsubscribe = client.subscribe((next) => apply(next));
    if (!doc.hidden) {
      started = true;
      client.start();
    }
  }

  function onVisibility(): void {
    if (client === null) return;
    if (doc.hidden) {
      client.pause();
    } else if (!started) {
      started = true;
      client.start();
    } else {
      client.resume();
    }
  }

  function onOnline(): void {
    client?.reconnect();
  }

  doc.addEventListener('visibilitychange', onVisibility);
  win.addEventListener('online', onOnline);
  const ready = options.ready ?? shallowRef(true);
  watch(
    [sessionId, ready],
    ([id, isReady]) => {
      if (!isReady) return;
      if (client === null || state.value.sessionId !== id) open(id);
    },
    { immediate: true },
  );

  onScopeDispose(() => {
    doc.removeEventListener('visibilitychange', onVisibility);
    win.removeEventListener('online', onOnline);
    close();
  });

  return {
    state,
    shown: computed(() => (state.value.state === 'ended' ? 'ended' : lastShown.value)),
    reconnect() {
      if (client === null) return;
      // After a 401 the client waits for start(); otherwise this retries the stream now.
      if (state.value.authRequired === true || state.value.state === 'not_found') client.start();
      else client.reconnect();
    },
  };
}
