import { expect, webkitTest as test } from '../support/fixtures.ts';
import type { ServerProcess } from '../support/ServerProcess.ts';
import { waitUntil } from '../support/waitUntil.ts';

// tests/tabs.spec.ts for WebKit, whose WebDriver opens tabs with New Window and reaches one
// at a time by switching to it.
const TABS = 8;

type Tab = string;
interface TabView {
  role: string | null;
  state: string | null;
  rows: string[];
}

async function view(browser: WebdriverIO.Browser, tab: Tab): Promise<TabView> {
  await browser.switchToWindow(tab);
  return (await browser.execute(() => ({
    role: document.documentElement.dataset.streamRole ?? null,
    state: document.querySelector('[data-testid="connection-status"]')?.getAttribute('data-state') ?? null,
    rows: Array.from(document.querySelectorAll('[data-testid="session-row"]')).map(
      (row) => row.getAttribute('data-session-id') ?? '',
    ),
  }))) as TabView;
}

async function views(browser: WebdriverIO.Browser, tabs: Tab[]): Promise<TabView[]> {
  const all: TabView[] = [];
  for (const tab of tabs) all.push(await view(browser, tab));
  return all;
}

/** Waits until every tab is live, one holds the stream, and each shows exactly `ids`. */
async function waitForShared(browser: WebdriverIO.Browser, tabs: Tab[], ids: string[]): Promise<Tab> {
  const wanted = [...ids].sort().join(',');
  let last: TabView[] = [];
  await waitUntil(
    async () => {
      last = await views(browser, tabs);
      const settled =
        last.every((tab) => tab.state === 'live' && [...tab.rows].sort().join(',') === wanted) &&
        last.filter((tab) => tab.role === 'holder').length === 1 &&
        last.filter((tab) => tab.role === 'follower').length === tabs.length - 1;
      return settled ? true : undefined;
    },
    { timeoutMs: 20_000, message: `${tabs.length} tabs sharing one live stream with ${wanted}: ${JSON.stringify(last)}` },
  );
  return tabs[last.findIndex((tab) => tab.role === 'holder')]!;
}

async function metric(server: ServerProcess, series: string): Promise<number> {
  const { body } = await server.api.request<string>('GET', '/metrics');
  const line = body.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  if (line === undefined) throw new Error(`/metrics has no ${series}`);
  return Number(line.slice(series.length + 1));
}

/** Closes the holder, creates a session meanwhile, and times until another tab is live as holder. */
async function handOver(browser: WebdriverIO.Browser, holder: Tab, remaining: Tab[], server: ServerProcess): Promise<{ ms: number; id: string }> {
  await browser.switchToWindow(holder);
  const closedAt = Date.now();
  await browser.closeWindow();
  const created = server.api.createSession({ name: 'during handover' });
  await waitUntil(
    async () => {
      for (const tab of remaining) {
        const { role, state } = await view(browser, tab);
        if (role === 'holder' && state === 'live') return true;
      }
      return undefined;
    },
    { timeoutMs: 15_000, intervalMs: 10, message: 'a remaining tab to hold a live stream' },
  );
  return { ms: Date.now() - closedAt, id: (await created).id };
}

test.describe('tabs of one browser', () => {
  test('share one stream, and hand it over as tabs close without losing a change', async ({ minibrowser, dashboard, server }, testInfo) => {
    await dashboard.goto('/');
    const tabs: Tab[] = [await minibrowser.getWindowHandle()];
    for (let index = 1; index < TABS; index += 1) {
      const { handle } = await minibrowser.createWindow('tab');
      await minibrowser.switchToWindow(handle);
      await minibrowser.url(new URL('/', server.baseURL).href);
      tabs.push(handle);
    }
    const holder = await waitForShared(minibrowser, tabs, []);
    await expect.poll(() => metric(server, 'sse_active_connections')).toBe(1);

    await minibrowser.switchToWindow(tabs.at(-1)!);
    const elapsedMs = (await minibrowser.executeAsync((done: (ms: number) => void) => {
      const started = performance.now();
      void fetch('/api/sessions', { cache: 'no-store' })
        .then((response) => response.json())
        .then(() => done(performance.now() - started));
    })) as number;
    expect(elapsedMs).toBeLessThan(2_000);

    const first = await server.api.createSession({ name: 'before handover' });
    await waitForShared(minibrowser, tabs, [first.id]);

    let remaining = tabs.filter((tab) => tab !== holder);
    const firstHandover = await handOver(minibrowser, holder, remaining, server);
    const nextHolder = await waitForShared(minibrowser, remaining, [first.id, firstHandover.id]);

    const closing = remaining.filter((tab) => tab !== nextHolder).slice(0, TABS / 2 - 2);
    remaining = remaining.filter((tab) => tab !== nextHolder && !closing.includes(tab));
    for (const tab of closing) {
      await minibrowser.switchToWindow(tab);
      await minibrowser.closeWindow();
    }
    const secondHandover = await handOver(minibrowser, nextHolder, remaining, server);
    expect(remaining).toHaveLength(TABS / 2);
    await waitForShared(minibrowser, remaining, [first.id, firstHandover.id, secondHandover.id]);
    await expect.poll(() => metric(server, 'sse_active_connections')).toBe(1);
    expect(await metric(server, 'sse_resumes_total{outcome="replayed"}')).toBe(2);

    for (const [name, ms] of [
      ['first handover', firstHandover.ms],
      ['second handover', secondHandover.ms],
    ] as const) {
      testInfo.annotations.push({ type: 'handover-ms', description: `${name}: ${ms} ms (webkit)` });
      console.log(`[webkit] ${name}: ${ms} ms from closing the holder's tab to a live stream in another`);
    }
  });
});
