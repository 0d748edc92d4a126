import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { API_PATHS } from '@sessionboard/protocol';
import type { ErrorBody } from '@sessionboard/protocol';
import type { Dashboard } from '../support/Dashboard.ts';
import { PageProbe } from '../support/PageProbe.ts';
import { expect } from '../support/fixtures.ts';
import type { E2ETest } from '../support/fixtures.ts';
import { waitUntil } from '../support/waitUntil.ts';

/** Small, so a person's worth of clicking exceeds it in seconds. */
const RATE_LIMIT_PER_MINUTE = 20;
const SUBFOLDER = 'projects';

// Not `error`: WebdriverIO takes a script result with an `error` key for a failed command.
interface PickerView {
  path: string | null;
  refusal: string | null;
  busy: boolean;
  canEnter: boolean;
}

function pickerView(dashboard: Dashboard): Promise<PickerView> {
  return dashboard.evaluate((folder) => {
    const picker = document.querySelector('[data-testid="dir-picker"]');
    const entry = picker?.querySelector<HTMLButtonElement>(`[data-testid="dir-entry"][data-name="${folder}"]`);
    return {
      path: picker?.querySelector('[data-testid="dir-path"]')?.textContent?.trim() ?? null,
      refusal: picker?.querySelector('[data-testid="dir-error"]')?.textContent?.trim() ?? null,
      busy: picker?.querySelector('[aria-busy="true"]') != null,
      canEnter: entry != null && !entry.disabled,
    };
  }, SUBFOLDER);
}

/**
 * Opens the folder browser and goes down into {@link SUBFOLDER} and back up, one click at
 * a time as a person would, until the picker shows an error. Returns the error's text.
 */
async function browseUntilRefused(dashboard: Dashboard): Promise<string> {
  await dashboard.click('[data-testid="browse-button"]');
  let previousPath: string | null = null;
  // Every click is one GET /api/fs/dirs: the limit is reached well within this many.
  for (let click = 0; click < 3 * RATE_LIMIT_PER_MINUTE; click += 1) {
    const view: PickerView = await waitUntil(
      async () => {
        const next = await pickerView(dashboard);
        const listed = next.path !== null && next.path !== '…' && next.path !== previousPath && !next.busy;
        return next.refusal !== null || listed ? next : undefined;
      },
      { timeoutMs: 15_000, message: `the folder browser to answer click ${click}` },
    );
    if (view.refusal !== null) return view.refusal;
    previousPath = view.path;
    await dashboard.click(view.canEnter ? `[data-testid="dir-entry"][data-name="${SUBFOLDER}"]` : '[data-testid="dir-up"]');
  }
  throw new Error(`the folder browser showed no error after ${3 * RATE_LIMIT_PER_MINUTE} listings`);
}

/** Scenario 5 of issue 4: the API's rate limit never reaches the live stream. */
export function rateLimitScenarios(test: E2ETest): void {
  test.describe('rate limit', () => {
    test.use({ serverEnv: { RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE) } });

    test("heavy folder browsing shows the server's 429 message while live updates keep arriving", async ({
      dashboard,
      server,
    }) => {
      await mkdir(join(server.fsRoot, SUBFOLDER, 'app'), { recursive: true });
      // Every REST call from this machine counts against the same limit, the test's too: the
      // session whose end the page must show is made before the browsing uses it all up.
      const session = await server.api.createSession({ name: 'ended from outside' });
      expect(session.pid).not.toBeNull();
      await dashboard.goto('/');
      await dashboard.waitForConnectionState('live');
      await dashboard.waitForRow(session.id, 'running');
      const probe = await PageProbe.install(dashboard);

      const shown = await browseUntilRefused(dashboard);

      // Ended without a REST call, as if it finished by itself: only the stream can tell the page.
      process.kill(session.pid!, 'SIGTERM');
      await dashboard.waitForRow(session.id, 'exited');
      expect(await dashboard.connectionState()).toBe('live');

      const refused = await server.api.request<ErrorBody>('GET', API_PATHS.dirs);
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('rate_limited');
      expect(shown).toContain(refused.body.error.message);

      const record = await probe.record();
      expect(record.states).toEqual(['live']);
    });
  });
}
