import { writeFile } from 'node:fs/promises';
import type { Dashboard } from '../support/Dashboard.ts';
import { ClusterProcess } from '../support/ClusterProcess.ts';
import { PageProbe } from '../support/PageProbe.ts';
import { expect } from '../support/fixtures.ts';
import type { E2ETest } from '../support/fixtures.ts';
import { waitUntil } from '../support/waitUntil.ts';

/** `INSTANCE_TTL_MS` of the cluster: an instance killed is judged dead after this. */
const TTL_MS = 3000;
/** The TTL, the judging beat, a reconnection and a 10-s poll, with slack for a loaded machine. */
const LOST_WAIT_MS = 30_000;

/** Each row's session id and the instance it shows (`session-instance`), '' where none is shown. */
function instancesShown(dashboard: Dashboard): Promise<Record<string, string>> {
  return dashboard.evaluate(() =>
    Object.fromEntries(
      Array.from(document.querySelectorAll('[data-testid="session-row"]')).map((row) => [
        row.getAttribute('data-session-id') ?? '',
        row.querySelector('[data-testid="session-instance"]')?.textContent?.trim() ?? '',
      ]),
    ),
  );
}

/**
 * Issue 12's proof behind a real load balancer: nginx with the shipped configuration
 * (round-robin, no stickiness, default proxy buffering) in front of two instances on one
 * redis-server, the dashboard opened through nginx. Each test starts its own cluster, and no
 * single server.
 */
export function clusterScenarios(test: E2ETest): void {
  const clusterTest = test.extend<{ cluster: ClusterProcess }>({
    // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern
    cluster: async ({}, use, testInfo) => {
      const cluster = await ClusterProcess.start({ instanceTtlMs: TTL_MS });
      try {
        await use(cluster);
      } finally {
        await cluster.dispose();
        if (testInfo.status !== testInfo.expectedStatus) {
          const path = testInfo.outputPath('cluster.log');
          await writeFile(path, cluster.log);
          await testInfo.attach('cluster.log', { path, contentType: 'text/plain' });
        }
      }
    },
    appOrigin: async ({ cluster }, use) => {
      await use(cluster.url);
    },
  });

  clusterTest.describe('two instances behind nginx', () => {
    clusterTest('the dashboard shows both instances\' sessions live, and when the one holding its stream is killed, goes on through the other and shows its sessions lost', async ({
      dashboard,
      cluster,
    }) => {
      clusterTest.setTimeout(90_000);
      const [one, two] = cluster.instances;
      const onOne = await one.api.createSession({ name: 'on one' });
      await dashboard.goto('/');
      expect(await dashboard.waitForConnectionState('live')).toBe('live');
      const probe = await PageProbe.install(dashboard);
      await dashboard.waitForRow(onOne.id, 'running');
      const onTwo = await two.api.createSession({ name: 'on two' });
      await dashboard.waitForRow(onTwo.id, 'running');
      await waitUntil(async () => ((await instancesShown(dashboard))[onTwo.id] === 'two' ? true : undefined), { message: 'the instance column' });
      expect(await instancesShown(dashboard)).toEqual({ [onOne.id]: 'one', [onTwo.id]: 'two' });

      const holder = await waitUntil(() => cluster.streamHolder(), { message: 'an instance holding the page\'s stream' });
      const [killed, kept] = holder === 0 ? [onOne, onTwo] : [onTwo, onOne];
      await cluster.kill(holder);

      await dashboard.waitForRow(killed.id, 'lost', { timeoutMs: LOST_WAIT_MS });
      expect(await dashboard.waitForConnectionState('live')).toBe('live');
      expect(await dashboard.rowStatus(kept.id)).toBe('running');
      const after = await cluster.api.createSession({ name: 'after the kill' });
      expect(after.instance).toBe(kept.instance);
      await dashboard.waitForRow(after.id, 'running');
      expect(await cluster.streamHolder()).toBe(holder === 0 ? 1 : 0);

      const record = await probe.record();
      expect(record.duplicates).toEqual([]);
      expect(record.history[killed.id]).toEqual(['running', 'lost']);
      expect(record.states.at(-1)).toBe('live');
    });

    clusterTest('without EventSource the dashboard polls through nginx, and shows both instances\' sessions and lost ones', async ({ dashboard, cluster }) => {
      clusterTest.setTimeout(90_000);
      await dashboard.addInitScript(() => {
        delete (window as { EventSource?: unknown }).EventSource;
      });
      const [one, two] = cluster.instances;
      const onOne = await one.api.createSession({ name: 'on one' });
      const onTwo = await two.api.createSession({ name: 'on two' });
      await dashboard.goto('/');
      expect(await dashboard.waitForConnectionState('polling')).toBe('polling');
      await dashboard.waitForRows((rows) => rows.filter((row) => row.status === 'running').length === 2, 'both sessions running');
      expect(await instancesShown(dashboard)).toEqual({ [onOne.id]: 'one', [onTwo.id]: 'two' });
      const probe = await PageProbe.install(dashboard);

      await cluster.kill(0);
      const after = await cluster.api.createSession({ name: 'after the kill' });

      expect(after.instance).toBe('two');
      await dashboard.waitForRows(
        (rows) => {
          const statusOf = (id: string) => rows.find((row) => row.id === id)?.status;
          return statusOf(onOne.id) === 'lost' && statusOf(onTwo.id) === 'running' && statusOf(after.id) === 'running';
        },
        `${onOne.id} lost, ${onTwo.id} and ${after.id} running`,
        { timeoutMs: LOST_WAIT_MS },
      );
      const record = await probe.record();
      expect(record.states).toEqual(['polling']);
      expect(record.duplicates).toEqual([]);
    });
  });
}
