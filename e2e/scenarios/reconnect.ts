import { rowsKey } from '../support/Dashboard.ts';
import type { SessionRow } from '../support/Dashboard.ts';
import { PageProbe } from '../support/PageProbe.ts';
import { expect } from '../support/fixtures.ts';
import type { E2ETest } from '../support/fixtures.ts';

/** The client's backoff reaches 30 s; its retries are jittered below that, plus slack. */
const RETURN_WAIT_MS = 45_000;
/** How long the server stays down after the page shows `offline`. */
const DOWN_EXTRA_MS = 4000;

/** Scenario 4 of issue 4: the dashboard rides out a server restart by itself. */
export function reconnectScenarios(test: E2ETest): void {
  test.describe('server restart', () => {
    test("the dashboard leaves live, shows the new server's sessions when it returns, and goes live again", async ({
      dashboard,
      server,
    }, testInfo) => {
      test.setTimeout(120_000);
      const beforeRestart = await server.api.createSession({ name: 'before the restart' });
      await dashboard.goto('/');
      await dashboard.waitForConnectionState('live');
      await dashboard.waitForRow(beforeRestart.id, 'running');
      const probe = await PageProbe.install(dashboard);

      await server.stop();
      const leftLive = await dashboard.waitForConnectionState(['connecting', 'offline']);
      // Down long enough for the page to give up on quick retries (three failed, then a
      // failed poll: offline) and back off, as it would through a real restart.
      await dashboard.waitForConnectionState('offline', { timeoutMs: 20_000 });
      await new Promise((resolve) => setTimeout(resolve, DOWN_EXTRA_MS));

      // The server keeps sessions in memory: what changed while the dashboard was away is the
      // new server's first session, created before the page has found its way back.
      await server.start();
      const afterRestart = await server.api.createSession({ name: 'after the restart' });
      const streamsWhenCreated = await server.api.metric('sse_active_connections');
      const whenCreated = await dashboard.connectionState();
      testInfo.annotations.push({
        type: 'restart',
        description:
          `indicator ${leftLive}, then offline, while down; ${String(whenCreated)} with ` +
          `${streamsWhenCreated} open streams when the new server's session was created`,
      });

      expect(await dashboard.waitForConnectionState('live', { timeoutMs: RETURN_WAIT_MS })).toBe('live');
      // Then the page holds exactly the new server's sessions: the new one, and no longer the old.
      const { sessions } = await server.api.listSessions();
      const expected: SessionRow[] = sessions.map(({ id, status }) => ({ id, status }));
      expect(expected.map((row) => row.id)).toEqual([afterRestart.id]);
      const shown = await dashboard.waitForRows(
        (rows) => rowsKey(rows) === rowsKey(expected),
        `the new server's sessions ${JSON.stringify(expected)}`,
      );
      expect(shown).toHaveLength(1);

      const record = await probe.record();
      expect(record.states[0]).toBe('live');
      expect(record.states.some((state) => state === 'connecting' || state === 'offline')).toBe(true);
      expect(record.states.at(-1)).toBe('live');
      expect(record.duplicates).toEqual([]);
      expect(record.history[beforeRestart.id]?.at(-1)).toBe('gone');
    });
  });
}
