import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Session } from '@sessionboard/protocol';
import { checkEveryWay } from '../support/accessibility.ts';
import type { AxeCheck } from '../support/accessibility.ts';
import type { Dashboard } from '../support/Dashboard.ts';
import { expect, test } from '../support/fixtures.ts';
import type { ServerProcess } from '../support/ServerProcess.ts';

// Issue 14: no axe violation at WCAG 2.2 AA in any view, in both themes, on desktop and phone.

const TOKEN = 'a11y-token-0123456789abcdef';

/** The checks that found something: a violation, a page wider than the viewport, a small target. */
function failures(checks: AxeCheck[]): AxeCheck[] {
  return checks.filter((check) => check.violations.length > 0 || check.overflowPx > 0 || check.smallTargets.length > 0);
}

/** Sessions in every state a single server can show: running, exited 0, exited non-zero, failed. */
async function populate(server: ServerProcess, dashboard: Dashboard): Promise<Session[]> {
  await mkdir(join(server.fsRoot, 'projects', 'web'), { recursive: true });
  const sessions = [
    await server.api.createSession({ name: 'web server', command: ['sleep', '600'], cwd: join(server.fsRoot, 'projects', 'web') }),
    await server.api.createSession({ name: 'build', command: ['sh', '-c', 'exit 0'] }),
    await server.api.createSession({ name: 'tests', command: ['sh', '-c', 'exit 3'] }),
    await server.api.createSession({ name: 'typo', command: ['no-such-program-for-e2e'] }),
    await server.api.createSession({ name: 'worker', command: ['sleep', '600'] }),
  ];
  await dashboard.goto('/');
  await dashboard.waitForConnectionState('live');
  await dashboard.waitForRows(
    (rows) => rows.length === 5 && rows.filter((row) => row.status === 'running').length === 2 && !rows.some((row) => row.status === 'stopping'),
    'five sessions, two running',
  );
  return sessions;
}

test.describe('accessibility (axe, WCAG 2.2 AA)', () => {
  // Four checks a view (two themes, two viewports); axe takes several seconds a check on
  // Firefox over BiDi, more on a busy machine.
  test.describe.configure({ timeout: 240_000 });

  test('the empty list', async ({ page, dashboard }, testInfo) => {
    await dashboard.goto('/');
    await dashboard.waitForConnectionState('live');
    await expect(page.getByTestId('empty-state')).toBeVisible();
    expect(failures(await checkEveryWay(page, testInfo, 'empty'))).toEqual([]);
  });

  test('the populated list', async ({ page, dashboard, server }, testInfo) => {
    await populate(server, dashboard);
    expect(failures(await checkEveryWay(page, testInfo, 'populated'))).toEqual([]);
  });

  test('a filtered list, and one with nothing to show', async ({ page, dashboard, server }, testInfo) => {
    await populate(server, dashboard);
    await page.getByTestId('filter-running').check();
    await expect(page).toHaveURL(/status=running/);
    await expect(page.getByTestId('session-row')).toHaveCount(2);
    const checks = await checkEveryWay(page, testInfo, 'filtered');

    await page.goto(new URL('/#/?q=nothing-like-it', server.baseURL).href);
    await expect(page.getByTestId('no-matches')).toBeVisible();
    checks.push(...(await checkEveryWay(page, testInfo, 'no-matches')));
    expect(failures(checks)).toEqual([]);
  });

  test('the folder picker', async ({ page, dashboard, server }, testInfo) => {
    await populate(server, dashboard);
    const checks = await checkEveryWay(page, testInfo, 'picker', {
      async open() {
        await page.getByTestId('browse-button').click();
        await expect(page.getByTestId('dir-entry').first()).toBeFocused();
      },
      async close() {
        await page.keyboard.press('Escape');
        await expect(page.getByTestId('dir-picker')).toHaveCount(0);
      },
    });
    expect(failures(checks)).toEqual([]);
  });

  test('the settings panel', async ({ page, dashboard, server }, testInfo) => {
    await populate(server, dashboard);
    await page.getByTestId('settings-toggle').click();
    await expect(page.getByTestId('theme-system')).toBeVisible();
    expect(failures(await checkEveryWay(page, testInfo, 'settings'))).toEqual([]);
  });

  test.describe('as a cluster shows it', () => {
    // Polling, so the test can stand in for a cluster: the list it polls names two instances,
    // with one session lost with its instance and one stopping.
    test.use({ serverEnv: { SSE_ENABLED: 'false' } });

    test('sessions of two instances, one lost and one stopping', async ({ page, dashboard, server }, testInfo) => {
      await page.route('**/api/sessions', async (route) => {
        if (route.request().method() !== 'GET') return route.continue();
        const response = await route.fetch();
        const body = (await response.json()) as { sessions: Session[] };
        body.sessions = body.sessions.map((session, index) => ({
          ...session,
          instance: index % 2 === 0 ? 'web-1.internal:4021' : 'web-2.internal:4021',
          ...(session.name === 'worker' ? { status: 'lost' as const, pid: null } : {}),
          ...(session.name === 'web server' ? { status: 'stopping' as const } : {}),
        }));
        await route.fulfill({ response, json: body });
      });
      await server.api.createSession({ name: 'web server' });
      await server.api.createSession({ name: 'build', command: ['sh', '-c', 'exit 0'] });
      await server.api.createSession({ name: 'worker' });
      await dashboard.goto('/');
      await dashboard.waitForConnectionState('polling');
      await expect(page.locator('[data-status="lost"]')).toHaveCount(1);
      await expect(page.getByTestId('kill-button')).toHaveCount(1);
      await expect(page.getByTestId('session-instance')).toHaveCount(3);
      await expect(page.getByTestId('filter-count-lost')).toHaveText('1');
      expect(failures(await checkEveryWay(page, testInfo, 'cluster'))).toEqual([]);
    });
  });

  test('the stale list while offline', async ({ page, dashboard, server }, testInfo) => {
    await populate(server, dashboard);
    await server.stop();
    await dashboard.waitForConnectionState('offline', { timeoutMs: 30_000 });
    await expect(page.getByTestId('stale-notice')).toBeVisible();
    await expect(page.getByTestId('session-row')).toHaveCount(5);
    expect(failures(await checkEveryWay(page, testInfo, 'offline'))).toEqual([]);
  });

  test('the notice of a restarted server', async ({ page, dashboard, server }, testInfo) => {
    await populate(server, dashboard);
    await server.restart();
    await expect(page.getByTestId('restart-notice')).toContainText('sessions from before are gone', { timeout: 45_000 });
    await dashboard.waitForConnectionState('live', { timeoutMs: 45_000 });
    await server.api.createSession({ name: 'after the restart' });
    await expect(page.getByTestId('session-row')).toHaveCount(1);
    expect(failures(await checkEveryWay(page, testInfo, 'restarted'))).toEqual([]);
  });

  test.describe('with a token', () => {
    test.use({ serverEnv: { AUTH_TOKEN: TOKEN } });

    test('the sign-in form, and a wrong token refused', async ({ page, dashboard }, testInfo) => {
      await dashboard.goto('/');
      await expect(page.getByTestId('sign-in-form')).toBeVisible();
      await expect(page.getByTestId('connection-status')).toHaveText('Sign-in needed');
      const checks = await checkEveryWay(page, testInfo, 'sign-in');
      await page.getByTestId('token-input').fill('not-the-token-0123456789');
      await page.getByTestId('sign-in-submit').click();
      await expect(page.getByTestId('sign-in-error')).toBeVisible();
      checks.push(...(await checkEveryWay(page, testInfo, 'sign-in-refused')));
      expect(failures(checks)).toEqual([]);
    });
  });
});
