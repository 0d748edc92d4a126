import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { expect, test } from '../support/fixtures.ts';
import type { ServerProcess } from '../support/ServerProcess.ts';

// Issue 13: the session page's output view, in Playwright's browsers (chromium, firefox, mobile).

/** How far the output's scroller is from its bottom, in CSS px. */
async function distanceFromBottom(page: Page): Promise<number> {
  return page.getByTestId('output-scroller').evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight);
}

/**
 * Clicks Download and returns the file's name and text: from the browser's download, or on
 * Firefox, whose WebDriver BiDi gives Playwright no download events, from the `<a download>`
 * the page clicks and the Blob its `blob:` URL was made of.
 */
async function downloadOutput(page: Page, project: string): Promise<{ name: string; text: string }> {
  if (project !== 'firefox') {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-output').click()]);
    return { name: download.suggestedFilename(), text: await readFile((await download.path())!, 'utf8') };
  }
  await page.evaluate(() => {
    const created = URL.createObjectURL;
    const click = HTMLAnchorElement.prototype.click;
    let blob: Blob | null = null;
    URL.createObjectURL = (object: Blob | MediaSource) => {
      if (object instanceof Blob) blob = object;
      return created(object);
    };
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      const name = this.download;
      (window as { downloaded?: Promise<{ name: string; text: string }> }).downloaded = blob!.text().then((text) => ({ name, text }));
      URL.createObjectURL = created;
      HTMLAnchorElement.prototype.click = click;
    };
  });
  await page.getByTestId('download-output').click();
  return page.evaluate(() => (window as { downloaded?: Promise<{ name: string; text: string }> }).downloaded!);
}

async function openSession(page: Page, server: ServerProcess, id: string): Promise<void> {
  await page.goto(new URL(`/#/sessions/${id}`, server.baseURL).href);
  await expect(page.getByTestId('session-output')).toHaveAttribute('data-session-id', id);
}

test.describe('the session page', () => {
  test('a row focused by a script opens on Enter; its name is a link to the page', async ({ page, dashboard, server }) => {
    const session = await server.api.createSession({ name: 'linked' });
    await dashboard.goto('/');
    const row = page.locator(`[data-testid="session-row"][data-session-id="${session.id}"]`);
    await expect(row.getByTestId('session-link')).toHaveAttribute('href', `#/sessions/${session.id}`);
    await row.press('Enter');
    await expect(page).toHaveURL(new RegExp(`#/sessions/${session.id}$`));
    await expect(page.getByTestId('detail-name')).toHaveText('linked');
  });

  test('search highlights matches and steps through them; Download saves the output as plain text', async ({ page, server }, testInfo) => {
    const session = await server.api.createSession({
      name: 'unit tests',
      // Pauses between the streams, so the server reads them in this order.
      command: ['sh', '-c', 'printf "\\033[32mok\\033[0m one\\n\\033[31mError\\033[0m two\\n"; sleep 0.3; echo "error three" >&2; sleep 0.3; printf "fine\\r\\nERROR four\\n"'],
    });
    await server.api.waitForStatus(session.id, 'exited');
    await openSession(page, server, session.id);
    await expect(page.getByTestId('session-output')).toHaveAttribute('data-state', 'ended');

    // stderr's bar is drawn inside its block, which clips what it paints (content-visibility).
    const bar = await page.locator('.session-output-segment--stderr').evaluate((segment) => {
      const block = segment.closest('.session-output__block')!.getBoundingClientRect();
      return { width: getComputedStyle(segment).borderLeftWidth, inside: segment.getBoundingClientRect().left >= block.left };
    });
    expect(bar).toEqual({ width: '3px', inside: true });
    // stderr is said to be stderr (CSS alternative text: in the accessibility tree, not in the text).
    expect(await page.getByTestId('output-scroller').ariaSnapshot()).toContain('stderr: error three');
    expect(await page.getByTestId('output-text').textContent()).not.toContain('stderr');

    await page.getByTestId('output-search').fill('error');
    await expect(page.getByTestId('output-search-count')).toHaveText('1 of 3');
    await expect(page.locator('[data-testid="output-text"] mark')).toHaveText(['Error', 'error', 'ERROR']);
    await expect(page.locator('mark[aria-current="true"]')).toHaveAttribute('data-match', '0');
    await page.getByTestId('output-search').press('Enter');
    await expect(page.getByTestId('output-search-count')).toHaveText('2 of 3');
    await page.getByTestId('output-search').press('Shift+Enter');
    await page.getByTestId('output-search').press('Shift+Enter');
    await expect(page.getByTestId('output-search-count')).toHaveText('3 of 3');
    await expect(page.locator('mark[aria-current="true"]')).toHaveText('ERROR');

    const saved = await downloadOutput(page, testInfo.project.name);
    expect(saved.name).toBe(`unit-tests-${session.id.slice(0, 8)}.txt`);
    expect(saved.text).toBe('ok one\nError two\nerror three\nfine\nERROR four\n');
  });

  test('stays at the bottom as output arrives until scrolled up; Jump to latest follows again', async ({ page, server }) => {
    const session = await server.api.createSession({
      name: 'chatty',
      command: ['sh', '-c', 'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo "line $i"; sleep 0.02; done'],
    });
    await openSession(page, server, session.id);
    const scroller = page.getByTestId('output-scroller');
    // Enough output to scroll, and the view kept at its bottom while more comes.
    await expect.poll(() => scroller.evaluate((element) => element.scrollHeight > element.clientHeight * 2)).toBe(true);
    const offset = Number(await page.getByTestId('session-output').getAttribute('data-offset'));
    await expect.poll(async () => Number(await page.getByTestId('session-output').getAttribute('data-offset'))).toBeGreaterThan(offset);
    // (It scrolls in the animation frame after an update: a read just after one may come first.)
    await expect.poll(() => distanceFromBottom(page)).toBeLessThan(30);
    await expect(page.getByTestId('jump-to-latest')).toHaveCount(0);

    // Scrolled up, it stays there while output goes on arriving.
    await scroller.evaluate((element) => element.scrollTo({ top: 0 }));
    await expect(page.getByTestId('jump-to-latest')).toBeVisible();
    const grown = Number(await page.getByTestId('session-output').getAttribute('data-offset'));
    await expect.poll(async () => Number(await page.getByTestId('session-output').getAttribute('data-offset'))).toBeGreaterThan(grown);
    expect(await scroller.evaluate((element) => element.scrollTop)).toBe(0);

    await page.getByTestId('jump-to-latest').click();
    await expect(page.getByTestId('jump-to-latest')).toHaveCount(0);
    await expect(scroller).toBeFocused();
    await expect.poll(() => distanceFromBottom(page)).toBeLessThan(30);
  });

  test('a hidden tab stops following: its output stream closes, and opens again from its offset when shown', async ({ page, server }) => {
    const session = await server.api.createSession({
      name: 'ticker',
      command: ['sh', '-c', 'i=0; while [ $i -lt 600 ]; do i=$((i+1)); echo "tick $i"; sleep 0.2; done'],
    });
    await openSession(page, server, session.id);
    await expect(page.getByTestId('session-output')).toHaveAttribute('data-state', 'live');
    await expect.poll(() => server.api.metric('output_streams_open')).toBe(1);

    const setHidden = (hidden: boolean) =>
      page.evaluate((value) => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => value });
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (value ? 'hidden' : 'visible') });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);

    await setHidden(true);
    await expect(page.getByTestId('session-output')).toHaveAttribute('data-follow', 'paused');
    await expect(page.getByTestId('output-follow')).toHaveText('Paused while this tab is hidden');
    await expect.poll(() => server.api.metric('output_streams_open')).toBe(0);
    const pausedAt = Number(await page.getByTestId('session-output').getAttribute('data-offset'));
    await page.waitForTimeout(1000);
    expect(Number(await page.getByTestId('session-output').getAttribute('data-offset'))).toBe(pausedAt);

    await setHidden(false);
    await expect(page.getByTestId('session-output')).toHaveAttribute('data-follow', 'live');
    await expect.poll(async () => Number(await page.getByTestId('session-output').getAttribute('data-offset'))).toBeGreaterThan(pausedAt);
    expect(await server.api.metric('output_streams_open')).toBe(1);
    // Resumed from its offset: every tick once, in order, the ones printed while hidden included.
    const ticks = Array.from((await page.getByTestId('output-text').textContent())!.matchAll(/tick (\d+)/g), (match) => Number(match[1]));
    expect(ticks).toEqual(ticks.map((_tick, index) => index + 1));
  });
});
