import { createSessionsApi, createSessionsClient } from '@sessionboard/client';
import type { SessionsBackend } from './stores/useSessionsStore.ts';

/**
 * The browser's backend: same-origin API, the page's `EventSource` (polling without one),
 * and a retry as soon as the browser says it is back online.
 */
export function createSessionsBackend(): SessionsBackend {
  const client = createSessionsClient();
  window.addEventListener('online', () => client.reconnect());
  return { client, api: createSessionsApi() };
}
