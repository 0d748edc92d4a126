import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
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

  test.describe('the session page', () => {
    /** Colours (16, 256, true colour, dim, a background, reverse) on stdout and warnings on stderr; a line every 0.3 s while it runs. */
    const COLOURFUL = [
      'printf "\\033[1mBuilding\\033[0m app\\n\\033[32m✔\\033[0m compiled \\033[36msrc/main.ts\\033[0m in \\033[33m412 ms\\033[0m\\n"',
      'printf "\\033[34mINFO\\033[0m listening on \\033[4mhttp://127.0.0.1:8080\\033[0m\\n"',
      'printf "\\033[38;5;208morange\\033[0m \\033[38;2;20;20;160mdark blue\\033[0m \\033[2mdim\\033[0m \\033[41;97m FAIL \\033[0m \\033[7mreversed\\033[0m \\033[90mgrey\\033[0m\\n"',
      'echo "warning: deprecated option --legacy" >&2',
      'printf "\\033[31merror:\\033[0m in stderr, red\\n" >&2',
    ].join('; ');

    async function openSession(page: Page, server: ServerProcess, id: string, state: 'live' | 'ended'): Promise<void> {
      await page.goto(new URL(`/#/sessions/${id}`, server.baseURL).href);
      await expect(page.getByTestId('session-output')).toHaveAttribute('data-state', state);
      await expect(page.getByTestId('output-text')).toContainText('warning: deprecated option');
    }

    test('live output in colour, with stderr', async ({ page, server }, testInfo) => {
      const session = await server.api.createSession({
        name: 'dev server',
        command: ['sh', '-c', `${COLOURFUL}; i=0; while [ $i -lt 900 ]; do i=$((i+1)); printf "\\033[90m[%d]\\033[0m GET /api/items \\033[32m200\\033[0m\\n" $i; sleep 0.3; done`],
      });
      await openSession(page, server, session.id, 'live');
      expect(failures(await checkEveryWay(page, testInfo, 'detail-live'))).toEqual([]);
    });

    test('ended output in colour, with stderr, and a search', async ({ page, server }, testInfo) => {
      const session = await server.api.createSession({ name: 'tests', command: ['sh', '-c', `${COLOURFUL}; exit 1`] });
      await server.api.waitForStatus(session.id, 'exited');
      await openSession(page, server, session.id, 'ended');
      const checks = await checkEveryWay(page, testInfo, 'detail-ended');
      await page.getByTestId('output-search').fill('o');
      await expect(page.getByTestId('output-search-count')).toHaveText(/^1 of \d+$/);
      checks.push(...(await checkEveryWay(page, testInfo, 'detail-search')));
      expect(failures(checks)).toEqual([]);
    });

    test.describe('with little output kept (SESSIONS_OUTPUT_BYTES=4096)', () => {
      test.use({ serverEnv: { SESSIONS_OUTPUT_BYTES: '4096' } });

      test('output whose start was dropped', async ({ page, server }, testInfo) => {
        const session = await server.api.createSession({
          name: 'chatty',
          command: ['sh', '-c', `i=0; while [ $i -lt 400 ]; do i=$((i+1)); printf "line %d \\033[35mof chatter\\033[0m\\n" $i; done; ${COLOURFUL}`],
        });
        await server.api.waitForStatus(session.id, 'exited');
        await openSession(page, server, session.id, 'ended');
        await expect(page.getByTestId('output-truncated')).toContainText('Older output dropped');
        expect(failures(await checkEveryWay(page, testInfo, 'detail-truncated'))).toEqual([]);
      });
    });

    test('a session that is not there', async ({ page, dashboard, server }, testInfo) => {
      await dashboard.goto('/');
      await dashboard.waitForConnectionState('live');
      await page.goto(new URL('/#/sessions/no-such-session', server.baseURL).href);
      await expect(page.getByTestId('session-missing')).toContainText('Session not found');
      expect(failures(await checkEveryWay(page, testInfo, 'detail-missing'))).toEqual([]);
    });
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
