import type { Dashboard } from '../support/Dashboard.ts';
import { PageProbe } from '../support/PageProbe.ts';
import type { ServerProcess } from '../support/ServerProcess.ts';
import { expect } from '../support/fixtures.ts';
import type { E2ETest } from '../support/fixtures.ts';

/** One 10-s polling interval and slack for a loaded machine. */
const POLL_WAIT_MS = 15_000;

/**
 * Loads the dashboard, which must settle on `polling`, then changes the server's sessions
 * (one created, one ended) and expects the page to show both by its next poll.
 */
async function expectChangesByPolling(dashboard: Dashboard, server: ServerProcess): Promise<void> {
  const earlier = await server.api.createSession({ name: 'before the page' });
  await dashboard.goto('/');
  expect(await dashboard.waitForConnectionState('polling')).toBe('polling');
  await dashboard.waitForRow(earlier.id, 'running');
  const probe = await PageProbe.install(dashboard);

  const created = await server.api.createSession({ name: 'while polling' });
  await server.api.terminate(earlier.id);
  await server.api.waitForStatus(earlier.id, 'exited');
  // Both changes are on the server now: the next poll, at most one interval away, shows them.
  await dashboard.waitForRows(
    (rows) => {
      const statusOf = (id: string) => rows.find((row) => row.id === id)?.status;
      return statusOf(created.id) === 'running' && statusOf(earlier.id) === 'exited';
    },
    `${created.id} running and ${earlier.id} exited by the next poll`,
    { timeoutMs: POLL_WAIT_MS },
  );

  const record = await probe.record();
  expect(record.states).toEqual(['polling']);
  expect(record.duplicates).toEqual([]);
}

/** Scenarios 2 and 3 of issue 4: without a stream the dashboard polls, and says so. */
export function fallbackScenarios(test: E2ETest): void {
  test.describe('fallback to polling', () => {
    test('without EventSource the dashboard polls and still shows every change', async ({ dashboard, server }) => {
      await dashboard.addInitScript(() => {
        delete (window as { EventSource?: unknown }).EventSource;
      });
      await expectChangesByPolling(dashboard, server);
      expect(await dashboard.evaluate(() => typeof (window as { EventSource?: unknown }).EventSource)).toBe('undefined');
    });

    test.describe('with SSE_ENABLED=false', () => {
      test.use({ serverEnv: { SSE_ENABLED: 'false' } });

      test('the dashboard polls and still shows every change', async ({ dashboard, server }) => {
        await expectChangesByPolling(dashboard, server);
        // The stream was there to use: it was the server that refused it.
        expect(await dashboard.evaluate(() => typeof window.EventSource)).toBe('function');
      });
    });

    test.describe('outside the rollout (SSE_ROLLOUT_PERCENT=0)', () => {
      test.use({ serverEnv: { SSE_ROLLOUT_PERCENT: '0' } });

      test('the dashboard polls and still shows every change', async ({ dashboard, server }) => {
        await expectChangesByPolling(dashboard, server);
      });
    });

    test.describe('half rolled out (SSE_ROLLOUT_PERCENT=50)', () => {
      test.use({ serverEnv: { SSE_ROLLOUT_PERCENT: '50' } });

      test('a browser stays live or stays polling across reloads: its bucket cookie is sticky', async ({ dashboard }) => {
        await dashboard.goto('/');
        const first = await dashboard.waitForConnectionState(['live', 'polling']);
        for (let reload = 0; reload < 5; reload++) {
          await dashboard.goto('/');
          expect(await dashboard.waitForConnectionState(['live', 'polling'])).toBe(first);
        }
      });
    });
  });
}
