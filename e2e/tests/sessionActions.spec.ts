import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '../support/fixtures.ts';

// Issues 13 and 14 as the dashboard does them against a real server: the form's errors in
// place, the shell hint, Run again, Kill now, Clear ended with undo, filters in the address.

test.describe('the new-session form', () => {
  test('marks a folder the server refuses on Directory, saying why in plain words', async ({ page, dashboard, server }) => {
    await dashboard.goto('/');
    await dashboard.waitForConnectionState('live');
    await page.getByTestId('command-input').fill('ls');
    await page.getByTestId('cwd-input').fill('/etc');
    await page.getByTestId('submit-session').click();
    await expect(page.getByTestId('cwd-error')).toHaveText(/“\/etc” is outside the folders this server lets sessions use \(its FS_ROOT\)/);
    await expect(page.getByTestId('cwd-input')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('command-input')).toHaveAttribute('aria-invalid', 'false');
    await expect(page.getByTestId('form-error')).toHaveCount(0);

    const missing = join(server.fsRoot, 'no-such-folder');
    await page.getByTestId('cwd-input').fill(missing);
    await expect(page.getByTestId('cwd-error')).toHaveCount(0);
    await page.getByTestId('submit-session').click();
    await expect(page.getByTestId('cwd-error')).toHaveText(`“${missing}” does not exist on the server. Pick one with Browse….`);
    expect((await server.api.listSessions()).sessions).toEqual([]);
  });

  test('offers to run shell syntax with sh -c, which then works', async ({ page, dashboard, server }) => {
    await dashboard.goto('/');
    await dashboard.waitForConnectionState('live');
    await page.getByTestId('command-input').fill('echo written > out.txt');
    await expect(page.getByTestId('shell-hint')).toContainText('“>” is shell syntax');
    await page.getByTestId('use-shell').click();
    await expect(page.getByTestId('command-input')).toHaveValue(`sh -c 'echo written > out.txt'`);
    await expect(page.getByTestId('shell-hint')).toHaveCount(0);
    await page.getByTestId('submit-session').click();
    await expect(page.locator('[data-testid="session-row"][data-status="exited"]')).toHaveCount(1);
    expect(await readFile(join(server.fsRoot, 'out.txt'), 'utf8')).toBe('written\n');
  });
});

test.describe('row actions', () => {
  test('Run again starts the same command with the same name and folder', async ({ page, dashboard, server }) => {
    const first = await server.api.createSession({ name: 'greeter', command: ['sh', '-c', 'exit 4'] });
    await server.api.waitForStatus(first.id, 'exited');
    await dashboard.goto('/');
    await dashboard.waitForRow(first.id, 'exited');
    await page.locator(`[data-session-id="${first.id}"]`).getByTestId('run-again-button').click();
    await expect(page.getByTestId('session-row')).toHaveCount(2);
    const again = (await server.api.listSessions()).sessions.find((session) => session.id !== first.id)!;
    expect([again.name, again.command, again.cwd]).toEqual([first.name, first.command, first.cwd]);
  });

  test.describe('with a long kill grace', () => {
    test.use({ serverEnv: { KILL_GRACE_MS: '8000' } });

    test('Kill now, shown while stopping, asks the server for SIGKILL at once', async ({ page, dashboard, server }) => {
      const stubborn = await server.api.createSession({ name: 'stubborn', command: ['sh', '-c', 'trap "" TERM; sleep 600'] });
      await dashboard.goto('/');
      await dashboard.waitForRow(stubborn.id, 'running');
      await page.locator(`[data-session-id="${stubborn.id}"]`).getByTestId('terminate-button').click();
      await dashboard.waitForRow(stubborn.id, 'stopping');
      const kill = page.locator(`[data-session-id="${stubborn.id}"]`).getByTestId('kill-button');
      await expect(kill).toHaveText('Kill now');
      const [request] = await Promise.all([page.waitForRequest((candidate) => candidate.method() === 'DELETE'), kill.click()]);
      expect(new URL(request.url()).pathname).toBe(`/api/sessions/${stubborn.id}`);
      expect(new URL(request.url()).searchParams.get('signal')).toBe('SIGKILL');
      expect((await request.response())?.status()).toBe(202);
      // Ended by SIGKILL right away, or (a server without issue 13's ?signal) after its grace.
      await server.api.remove(stubborn.id, { timeoutMs: 15_000 });
    });
  });

  test('Clear ended hides the ended sessions at once, gives them back on Undo, and removes them after', async ({
    page,
    dashboard,
    server,
  }) => {
    const running = await server.api.createSession({ name: 'keeps running' });
    const ended = [
      await server.api.createSession({ name: 'done', command: ['sh', '-c', 'exit 0'] }),
      await server.api.createSession({ name: 'typo', command: ['no-such-program-for-e2e'] }),
    ];
    await server.api.waitForStatus(ended[0]!.id, 'exited');
    await dashboard.goto('/');
    await dashboard.waitForRows((rows) => rows.length === 3, 'three sessions');
    const clear = page.getByTestId('clear-ended');

    await clear.click();
    await expect(page.getByTestId('session-row')).toHaveCount(1);
    await expect(page.getByTestId('clear-notice')).toContainText('Cleared 2 ended sessions.');
    await page.getByTestId('clear-notice').getByRole('button', { name: 'Undo' }).click();
    await expect(page.getByTestId('session-row')).toHaveCount(3);
    await expect(page.getByTestId('clear-notice')).toHaveCount(0);

    await clear.click();
    await expect(page.getByTestId('clear-notice')).toHaveCount(0, { timeout: 15_000 });
    await expect.poll(async () => (await server.api.listSessions()).sessions.map((session) => session.id)).toEqual([running.id]);
    await expect(page.getByTestId('session-row')).toHaveCount(1);
  });
});

test.describe('the list’s address', () => {
  test('keeps status, search and order, through a reload', async ({ page, dashboard, server }) => {
    await server.api.createSession({ name: 'beta' });
    await server.api.createSession({ name: 'alpha' });
    const failed = await server.api.createSession({ name: 'gamma', command: ['no-such-program-for-e2e'] });
    await dashboard.goto('/#/?status=running&sort=name');
    await expect(page.getByTestId('session-row')).toHaveCount(2);
    await expect(page.locator('[data-testid="session-row"] .session-table-row__name')).toHaveText(['alpha', 'beta']);
    await page.getByTestId('search-input').fill('alp');
    await expect(page).toHaveURL(/#\/\?status=running&q=alp&sort=name$/);
    await page.reload();
    await expect(page.getByTestId('search-input')).toHaveValue('alp');
    await expect(page.getByTestId('session-row')).toHaveCount(1);
    await page.getByTestId('filter-failed').check();
    await page.getByTestId('search-input').fill('');
    await expect(page.locator(`[data-session-id="${failed.id}"]`)).toBeVisible();
    await expect(page).toHaveURL(/#\/\?status=failed&sort=name$/);
  });
});
