import { createSessionsApi, createSharedSessionsClient } from '@sessionboard/client';
import type { SessionsBackend } from './stores/useSessionsStore.ts';

/**
 * The browser's backend: same-origin API and one live connection per browser, run by one
 * tab for all the dashboard's tabs (`navigator.locks` elects it, `BroadcastChannel` shares
 * its state; without either, each tab runs its own, polling without `EventSource`). It
 * retries as soon as the browser says it is back online, and marks `<html>` with
 * `data-stream-role` (`holder` | `follower` | `solo` | `idle`) for tests and devtools.
 */
export function createSessionsBackend(): SessionsBackend {
  const client = createSharedSessionsClient();
  client.subscribeRole((role) => {
    document.documentElement.dataset.streamRole = role;
  });
  window.addEventListener('online', () => client.reconnect());
  // A frozen or cached page runs nothing: it leaves the election (a holder hands over at
  // once instead of after the followers' timeout) and rejoins, as a follower, on return.
  document.addEventListener('freeze', () => client.stop());
  document.addEventListener('resume', () => client.start());
  window.addEventListener('pagehide', (event) => {
    if (event.persisted) client.stop();
  });
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) client.start();
  });
  return { client, api: createSessionsApi() };
}
