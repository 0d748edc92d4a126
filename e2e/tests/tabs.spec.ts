import type { BrowserContext, Page } from '@playwright/test';
import { expect, test } from '../support/fixtures.ts';
import type { ServerProcess } from '../support/ServerProcess.ts';

// Issue 8: one stream per browser, shared by its tabs. Browsers open at most six HTTP/1.1
// connections per host, so with a stream per tab the seventh tab would never load.
const TABS = 8;

type StreamRole = 'holder' | 'follower' | 'solo' | 'idle' | null;

const STATUS = '[data-testid="connection-status"]';

async function openTabs(context: BrowserContext, server: ServerProcess, count: number): Promise<Page[]> {
  const pages: Page[] = [];
  for (let index = 0; index < count; index += 1) {
    const page = await context.newPage();
    await page.goto(new URL('/', server.baseURL).href);
    pages.push(page);
  }
  return pages;
}

function streamRole(page: Page): Promise<StreamRole> {
  return page.evaluate(() => (document.documentElement.dataset.streamRole ?? null) as StreamRole);
}

async function roles(pages: Page[]): Promise<StreamRole[]> {
  return Promise.all(pages.map(streamRole));
}

/** The value of one series of `/metrics`, e.g. `sse_resumes_total{outcome="replayed"}`. */
async function metric(server: ServerProcess, series: string): Promise<number> {
  const { status, body } = await server.api.request<string>('GET', '/metrics');
  expect(status).toBe(200);
  const line = body.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  if (line === undefined) throw new Error(`/metrics has no ${series}`);
  return Number(line.slice(series.length + 1));
}

const activeStreams = (server: ServerProcess) => metric(server, 'sse_active_connections');

async function expectAllLive(pages: Page[]): Promise<void> {
  for (const page of pages) await expect(page.locator(STATUS)).toHaveAttribute('data-state', 'live');
}

async function expectRowInEvery(pages: Page[], id: string): Promise<void> {
  for (const page of pages) {
    await expect(page.locator(`[data-testid="session-row"][data-session-id="${id}"]`)).toHaveCount(1);
  }
}

async function holderOf(pages: Page[]): Promise<Page> {
  const all = await roles(pages);
  expect(all.filter((role) => role === 'holder')).toHaveLength(1);
  expect(all.filter((role) => role === 'follower')).toHaveLength(pages.length - 1);
  return pages[all.indexOf('holder')]!;
}

/**
 * Closes `holder` and waits until one of `remaining` holds the stream and shows it live;
 * meanwhile creates a session through the API. Returns the handover time and the session.
 */
async function handOver(holder: Page, remaining: Page[], server: ServerProcess): Promise<{ ms: number; id: string }> {
  const closedAt = Date.now();
  await holder.close();
  const [taken, created] = await Promise.all([
    Promise.any(
      remaining.map((page) =>
        page.waitForFunction(
          (selector) =>
            document.documentElement.dataset.streamRole === 'holder' &&
            document.querySelector(selector)?.getAttribute('data-state') === 'live',
          STATUS,
          // Timers, not animation frames: a background tab paints nothing.
          { polling: 20, timeout: 15_000 },
        ),
      ),
    ).then(() => Date.now() - closedAt),
    server.api.createSession({ name: 'during handover' }),
  ]);
  return { ms: taken, id: created.id };
}

test.describe('tabs of one browser', () => {
  test('share one stream, and hand it over as tabs close without losing a change', async ({ context, server }, testInfo) => {
    const pages = await openTabs(context, server, TABS);
    await expectAllLive(pages);
    const holder = await holderOf(pages);
    await expect.poll(() => activeStreams(server)).toBe(1);

    const elapsedMs = await pages.at(-1)!.evaluate(async () => {
      const started = performance.now();
      const response = await fetch('/api/sessions', { cache: 'no-store' });
      await response.json();
      return performance.now() - started;
    });
    expect(elapsedMs).toBeLessThan(2_000);

    const first = await server.api.createSession({ name: 'before handover' });
    await expectRowInEvery(pages, first.id);

    // The holder's tab closes: the lock passes to a waiting tab, which resumes by id.
    let remaining = pages.filter((page) => page !== holder);
    const firstHandover = await handOver(holder, remaining, server);
    await expectAllLive(remaining);
    const nextHolder = await holderOf(remaining);
    await expectRowInEvery(remaining, firstHandover.id);
    await expect.poll(() => activeStreams(server)).toBe(1);

    // Half the tabs close, the new holder among them.
    const closing = [nextHolder, ...remaining.filter((page) => page !== nextHolder).slice(0, TABS / 2 - 2)];
    remaining = remaining.filter((page) => !closing.includes(page));
    for (const page of closing.slice(1)) await page.close();
    const secondHandover = await handOver(nextHolder, remaining, server);
    expect(remaining).toHaveLength(TABS / 2);
    await expectAllLive(remaining);
    await holderOf(remaining);
    for (const id of [first.id, firstHandover.id, secondHandover.id]) await expectRowInEvery(remaining, id);
    await expect.poll(() => activeStreams(server)).toBe(1);
    // Every tab shows each session once: nothing applied twice.
    for (const page of remaining) await expect(page.locator('[data-testid="session-row"]')).toHaveCount(3);
    // Each new holder resumed from the last event id it held, and the server replayed.
    expect(await metric(server, 'sse_resumes_total{outcome="replayed"}')).toBe(2);
    expect(await metric(server, 'sse_resumes_total{outcome="unknown_id"}')).toBe(0);

    for (const [name, ms] of [
      ['first handover', firstHandover.ms],
      ['second handover', secondHandover.ms],
    ] as const) {
      testInfo.annotations.push({ type: 'handover-ms', description: `${name}: ${ms} ms (${testInfo.project.name})` });
      console.log(`[${testInfo.project.name}] ${name}: ${ms} ms from closing the holder's tab to a live stream in another`);
    }
  });
});

test.describe('a hung holder', () => {
  test('loses the stream to a follower that steals its lock, and follows once it runs again', async ({ context, server }, testInfo) => {
    const pages = await openTabs(context, server, 3);
    await expectAllLive(pages);
    const holder = await holderOf(pages);
    const others = pages.filter((page) => page !== holder);
    // A busy script: the tab runs nothing else, as if the browser had frozen it.
    const hungAt = Date.now();
    const hang = holder.evaluate(() => {
      const until = Date.now() + 9_000;
      while (Date.now() < until);
    });
    const created = await server.api.createSession({ name: 'while hung' });
    await Promise.any(
      others.map((page) =>
        page.waitForFunction(
          (selector) =>
            document.documentElement.dataset.streamRole === 'holder' &&
            document.querySelector(selector)?.getAttribute('data-state') === 'live',
          STATUS,
          { polling: 20, timeout: 15_000 },
        ),
      ),
    );
    const stolenMs = Date.now() - hungAt;
    await expectRowInEvery(others, created.id);
    await hang;
    await expect.poll(() => streamRole(holder)).toBe('follower');
    await holderOf(pages);
    await expectAllLive(pages);
    await expectRowInEvery(pages, created.id);
    await expect.poll(() => activeStreams(server)).toBe(1);
    testInfo.annotations.push({ type: 'steal-ms', description: `${stolenMs} ms (${testInfo.project.name})` });
    console.log(`[${testInfo.project.name}] hung holder replaced after ${stolenMs} ms`);
  });
});
