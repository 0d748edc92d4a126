import { PageProbe } from '../support/PageProbe.ts';
import { expect } from '../support/fixtures.ts';
import type { E2ETest } from '../support/fixtures.ts';

/** Scenario 1 of issue 4: the open page follows a session's life as the server pushes it. */
export function liveScenarios(test: E2ETest): void {
  test.describe('live updates', () => {
    test('a session created, terminated and removed through the API shows each step without a reload', async ({
      dashboard,
      server,
    }) => {
      await dashboard.goto('/');
      expect(await dashboard.waitForConnectionState('live')).toBe('live');
      // Gone if the page reloads, so reading it at the end proves there was none.
      const probe = await PageProbe.install(dashboard);

      const session = await server.api.createSession({ name: 'live scenario' });
      await dashboard.waitForRow(session.id, 'running');

      await server.api.terminate(session.id);
      await dashboard.waitForRow(session.id, 'exited');

      await server.api.remove(session.id);
      await dashboard.waitForRowGone(session.id);

      const record = await probe.record();
      expect(record.states).toEqual(['live']);
      expect(record.duplicates).toEqual([]);
      expect(record.history[session.id]?.at(-1)).toBe('gone');
    });
  });
}
