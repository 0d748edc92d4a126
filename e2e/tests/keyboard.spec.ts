import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { FocusProbe } from '../support/FocusProbe.ts';
import { expect, test } from '../support/fixtures.ts';

// Issue 14: everything a mouse does, done with the keyboard alone, and focus never lost.

/** Presses Tab (Shift+Tab with `back`) until `target` has focus; fails after `max` presses. */
async function tabTo(page: Page, target: Locator, options: { back?: boolean; max?: number } = {}): Promise<void> {
  const key = options.back ? 'Shift+Tab' : 'Tab';
  for (let presses = 0; presses < (options.max ?? 40); presses += 1) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press(key);
  }
  await expect(target).toBeFocused();
}

function row(page: Page, id: string): Locator {
  return page.locator(`[data-testid="session-row"][data-session-id="${id}"]`);
}

test.describe('keyboard only', () => {
  test('start, pick a folder, filter, terminate and remove without the mouse; focus never falls to the page', async ({
    page,
    dashboard,
    server,
  }) => {
    test.setTimeout(90_000);
    await mkdir(join(server.fsRoot, 'projects', 'app'), { recursive: true });
    const probe = await FocusProbe.install(page);
    await dashboard.goto('/');
    await dashboard.waitForConnectionState('live');

    // Start a session: the command, then Enter.
    const command = page.getByTestId('command-input');
    await tabTo(page, command);
    await page.keyboard.type('sleep 600');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('session-row')).toHaveCount(1);
    const first = (await page.getByTestId('session-row').getAttribute('data-session-id'))!;
    await expect(command).toBeFocused();
    await expect(command).toHaveValue('');

    // The folder picker: opens on Enter with focus inside, Escape closes it back to Browse.
    const browse = page.getByTestId('browse-button');
    await tabTo(page, browse);
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('dir-picker')).toBeVisible();
    await expect(page.locator('[data-testid="dir-entry"][data-name="projects"]')).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('dir-path')).toHaveText(join(server.fsRoot, 'projects'));
    await expect(page.locator('[data-testid="dir-entry"][data-name="app"]')).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('dir-picker')).toHaveCount(0);
    await expect(browse).toBeFocused();
    await expect(page.getByTestId('cwd-input')).toHaveValue('');

    // Again, going in and choosing with Tab and Enter; Tab never leaves the dialog.
    await page.keyboard.press('Enter');
    await expect(page.locator('[data-testid="dir-entry"][data-name="projects"]')).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('dir-path')).toHaveText(join(server.fsRoot, 'projects'));
    const select = page.getByTestId('dir-select');
    await tabTo(page, select, { max: 6 });
    for (let presses = 0; presses < 8; presses += 1) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.closest('[data-testid="dir-picker"]') != null)).toBe(true);
    }
    await tabTo(page, select, { max: 6 });
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('dir-picker')).toHaveCount(0);
    await expect(page.getByTestId('cwd-input')).toHaveValue(join(server.fsRoot, 'projects'));
    await expect(browse).toBeFocused();

    // A second session, named, in that folder.
    await tabTo(page, command, { back: true });
    await page.keyboard.type('sleep 601');
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('name-input')).toBeFocused();
    await page.keyboard.type('second');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('session-row')).toHaveCount(2);
    const second = (await page.getByTestId('session-row').first().getAttribute('data-session-id'))!;
    expect(second).not.toBe(first);
    expect((await server.api.getSession(second))?.cwd).toBe(join(server.fsRoot, 'projects'));

    // The status filter: arrow keys move through it, and the address follows.
    const all = page.getByTestId('filter-all');
    await tabTo(page, all);
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('filter-running')).toBeFocused();
    await expect(page).toHaveURL(/#\/\?status=running$/);
    await expect(page.getByTestId('session-row')).toHaveCount(2);
    await page.keyboard.press('ArrowRight');
    await expect(page).toHaveURL(/#\/\?status=ended$/);
    await expect(page.getByTestId('no-matches')).toBeVisible();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await expect(all).toBeFocused();
    await expect(page.getByTestId('session-row')).toHaveCount(2);

    // Terminate the newest: focus goes on to the next row.
    await tabTo(page, row(page, second).getByTestId('terminate-button'));
    await page.keyboard.press('Enter');
    await expect(row(page, first).getByTestId('terminate-button')).toBeFocused();
    await expect(row(page, second)).toHaveAttribute('data-status', 'exited');

    // Remove it: its row goes, and focus lands on the row that takes its place.
    await tabTo(page, row(page, second).getByTestId('remove-button'), { back: true });
    await page.keyboard.press('Enter');
    await expect(row(page, second)).toHaveCount(0);
    await expect(row(page, first).getByTestId('terminate-button')).toBeFocused();

    // Terminate the last one: no next row, so focus goes to the list's heading.
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Sessions', level: 2 })).toBeFocused();
    await expect(row(page, first)).toHaveAttribute('data-status', 'exited');

    const record = await probe.record();
    expect(record.lostAfter).toEqual([]);
    expect(record.path).toContain('button[browse-button]');
  });

  test('open a session, terminate it, go back and remove it without the mouse; focus never falls to the page', async ({ page, dashboard }) => {
    test.setTimeout(90_000);
    const probe = await FocusProbe.install(page);
    await dashboard.goto('/#/?q=sleep');
    await dashboard.waitForConnectionState('live');

    // Start a session: it matches the list's search.
    await tabTo(page, page.getByTestId('command-input'));
    await page.keyboard.type('sleep 600');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('session-row')).toHaveCount(1);
    const id = (await page.getByTestId('session-row').getAttribute('data-session-id'))!;

    // Open it: its name is a link; Enter follows it, and focus starts on the page's heading.
    await tabTo(page, row(page, id).getByTestId('session-link'));
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(new RegExp(`#/sessions/${id}$`));
    await expect(page.getByTestId('detail-name')).toBeFocused();
    await expect(page.getByTestId('detail-name')).toHaveText('sleep');
    await expect(page.getByTestId('session-output')).toHaveAttribute('data-state', 'live');

    // Terminate: the button that takes its place (Kill now, then Run again) gets focus.
    await tabTo(page, page.getByTestId('terminate-button'));
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('detail-status')).toHaveAttribute('data-status', 'exited');
    await expect(page.getByTestId('run-again-button')).toBeFocused();
    await expect(page.getByTestId('session-output')).toHaveAttribute('data-state', 'ended');

    // Back to the list, with its search, and focus on the link of the row just left.
    await tabTo(page, page.getByTestId('back-to-list'), { back: true });
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/#\/\?q=sleep$/);
    await expect(page.getByTestId('search-input')).toHaveValue('sleep');
    await expect(row(page, id).getByTestId('session-link')).toBeFocused();
    await expect(row(page, id)).toHaveAttribute('data-status', 'exited');

    // Remove it from the list: focus goes to the list's heading, the last row gone.
    await tabTo(page, row(page, id).getByTestId('remove-button'));
    await page.keyboard.press('Enter');
    await expect(row(page, id)).toHaveCount(0);
    await expect(page.getByRole('heading', { name: 'Sessions', level: 2 })).toBeFocused();

    const record = await probe.record();
    expect(record.lostAfter).toEqual([]);
    expect(record.path).toContain(`a[session-link] in ${id}`);
    expect(record.path).toContain(`h2[detail-name] in ${id}`);
  });
});
