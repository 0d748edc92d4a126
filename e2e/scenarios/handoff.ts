import type { Session } from '@sessionboard/protocol';
import { rowsKey } from '../support/Dashboard.ts';
import { HeldStream } from '../support/HeldStream.ts';
import { PageProbe } from '../support/PageProbe.ts';
import type { ServerProcess } from '../support/ServerProcess.ts';
import { expect } from '../support/fixtures.ts';
import type { E2ETest } from '../support/fixtures.ts';

const REPLAYED = 'sse_resumes_total{outcome="replayed"}';
/** A refused stream is retried after Retry-After (5 s) or the backoff, whichever is longer. */
const LIVE_WAIT_MS = 45_000;
const STEP_MS = 400;

/** The order a row's statuses may follow; going back means a change was applied twice. */
const LIFECYCLE: Record<string, number> = { running: 0, stopping: 1, exited: 2, failed: 2, gone: 3 };

function goesBack(history: string[]): boolean {
  return history.some((status, index) => index > 0 && (LIFECYCLE[status] ?? -1) <= (LIFECYCLE[history[index - 1]!] ?? -1));
}

/**
 * One change to the server's sessions per call, in turn: create one, terminate the oldest
 * running, remove the oldest ended.
 */
function changer(server: ServerProcess): () => Promise<void> {
  let step = 0;
  const running: Session[] = [];
  const ended: Session[] = [];
  return async () => {
    const kind = step % 3;
    step += 1;
    if (kind === 0 || running.length === 0) {
      running.push(await server.api.createSession({ name: `change ${step}` }));
    } else if (kind === 1) {
      const session = running.shift()!;
      await server.api.terminate(session.id);
      ended.push(session);
    } else if (ended.length > 0) {
      await server.api.remove(ended.shift()!.id);
    }
  };
}

/** Scenario 6 of issue 4: from polling back to the stream, resuming by id, nothing lost or doubled. */
export function handoffScenarios(test: E2ETest): void {
  test.describe('gapless handoff', () => {
    // One stream in all, which the test takes first, so the dashboard is refused and polls.
    test.use({ serverEnv: { SSE_MAX_CONNECTIONS: '1' } });

    test('changes flow while polling, and returning to the stream neither misses nor repeats one', async ({
      dashboard,
      server,
    }, testInfo) => {
      test.setTimeout(150_000);
      const change = changer(server);
      const held = await HeldStream.open(server.baseURL);
      try {
        const replayedBefore = await server.api.metric(REPLAYED);
        const first = await server.api.createSession({ name: 'before the page' });
        await dashboard.goto('/');
        await dashboard.waitForConnectionState('polling', { timeoutMs: 20_000 });
        await dashboard.waitForRow(first.id, 'running');
        const probe = await PageProbe.install(dashboard);

        // While polling: a session created and one ended show by the next poll.
        const whilePolling = await server.api.createSession({ name: 'while polling' });
        await server.api.terminate(first.id);
        await server.api.waitForStatus(first.id, 'exited');
        await dashboard.waitForRows(
          (rows) =>
            rows.some((row) => row.id === whilePolling.id && row.status === 'running') &&
            rows.some((row) => row.id === first.id && row.status === 'exited'),
          'the changes made while polling',
        );
        expect(await dashboard.connectionState()).toBe('polling');

        // Around the switch: changes just before the stream is free, while the page finds its
        // way back to it, and just after it is live again.
        await change();
        await held.release();
        const deadline = Date.now() + LIVE_WAIT_MS;
        let changesBeforeLive = 0;
        let changesWhileLive = 0;
        while (changesWhileLive < 3) {
          if (Date.now() > deadline) throw new Error(`not live ${LIVE_WAIT_MS} ms after the stream was freed`);
          await change();
          if ((await dashboard.connectionState()) === 'live') changesWhileLive += 1;
          else changesBeforeLive += 1;
          await new Promise((resolve) => setTimeout(resolve, STEP_MS));
        }
        testInfo.annotations.push({
          type: 'handoff',
          description: `${changesBeforeLive} changes after the stream was freed and before the page was live, then ${changesWhileLive}`,
        });

        // Once the server is still, the page shows exactly its sessions, each once, as they are.
        for (const session of (await server.api.listSessions()).sessions) {
          if (session.status === 'stopping') await server.api.waitForStatus(session.id, ['exited', 'failed']);
        }
        const { sessions } = await server.api.listSessions();
        const expected = rowsKey(sessions.map(({ id, status }) => ({ id, status })));
        await dashboard.waitForRows((rows) => rowsKey(rows) === expected, `the server's sessions ${expected}`);
        const rows = await dashboard.rows();
        expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);

        const record = await probe.record();
        expect(record.duplicates).toEqual([]);
        expect(record.states[0]).toBe('polling');
        expect(record.states.at(-1)).toBe('live');
        const backwards = Object.entries(record.history).filter(([, history]) => goesBack(history));
        expect(backwards, 'rows whose status went back: a change applied twice').toEqual([]);
        // The page resumed from the cursor its polls kept instead of starting from a snapshot.
        expect(await server.api.metric(REPLAYED)).toBeGreaterThan(replayedBefore);
      } finally {
        await held.release();
      }
    });
  });
}
