import { writeFile } from 'node:fs/promises';
import { test as base } from '@playwright/test';
import type { TestInfo } from '@playwright/test';
import type { Dashboard } from './Dashboard.ts';
import { PlaywrightDashboard } from './PlaywrightDashboard.ts';
import { ServerProcess } from './ServerProcess.ts';
import type { ServerEnv } from './ServerProcess.ts';
import { WebDriverDashboard } from './WebDriverDashboard.ts';
import { WebKitDriver } from './WebKitDriver.ts';

/** Fixtures every e2e test has, whatever drives its browser. */
export interface E2EFixtures {
  /**
   * Environment overrides for this test's server, over `E2E_SERVER_DEFAULTS`:
   * `test.use({ serverEnv: { SSE_ENABLED: 'false' } })`.
   * @default {}
   */
  serverEnv: ServerEnv;
  /**
   * A server of this test's own on a free port, started before the test with `serverEnv`
   * and stopped after it. `server.restart(env)` restarts it on the same port;
   * `server.api` drives its REST API.
   */
  server: ServerProcess;
  /**
   * Where the dashboard is opened: `server.baseURL`, unless a scenario puts something else in
   * front (the cluster scenario overrides it with nginx's address, and no `server` starts).
   */
  appOrigin: string;
  /** The dashboard in this test's browser, not yet opened: call `dashboard.goto()`. */
  dashboard: Dashboard;
  /** A fresh MiniBrowser over WebDriver (WebKit project only). */
  minibrowser: WebdriverIO.Browser;
}

/** Worker-scoped fixtures. */
export interface E2EWorkerFixtures {
  /** Xvfb and WebKitWebDriver, shared by the WebKit tests of one worker. */
  webkitDriver: WebKitDriver;
}

const shared = base.extend<E2EFixtures, E2EWorkerFixtures>({
  serverEnv: [{}, { option: true }],

  server: async ({ serverEnv }, use, testInfo) => {
    const server = await ServerProcess.create({ env: serverEnv });
    try {
      await server.start();
      await use(server);
    } finally {
      await server.dispose();
      await attachOnFailure(testInfo, 'server.log', server.log);
    }
  },

  appOrigin: async ({ server }, use) => {
    await use(server.baseURL);
  },

  baseURL: async ({ appOrigin }, use) => {
    await use(appOrigin);
  },

  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern
  dashboard: async ({}, _use) => {
    throw new Error('dashboard: use `test` or `webkitTest` from support/fixtures.ts');
  },

  webkitDriver: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern
    async ({}, use) => {
      const driver = await WebKitDriver.start();
      try {
        await use(driver);
      } finally {
        await driver.dispose();
      }
    },
    { scope: 'worker', timeout: 30_000 },
  ],

  minibrowser: async ({ webkitDriver }, use, testInfo) => {
    const browser = await webkitDriver.newSession();
    try {
      await use(browser);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) {
        await saveWebDriverArtifacts(browser, testInfo).catch(() => undefined);
        await attachOnFailure(testInfo, 'webkitwebdriver.log', webkitDriver.log);
      }
      await browser.deleteSession().catch(() => undefined);
    }
  },
});

/** Tests for the Playwright-driven projects: chromium, firefox, mobile (and Playwright's WebKit). */
export const test = shared.extend({
  dashboard: async ({ page, appOrigin }, use) => {
    const dashboard = new PlaywrightDashboard(page, appOrigin);
    try {
      await use(dashboard);
    } finally {
      await dashboard.dispose();
    }
  },
});

/** Tests for the `webkit` project: Debian's MiniBrowser over WebKitWebDriver. */
export const webkitTest = shared.extend({
  dashboard: async ({ minibrowser, appOrigin }, use) => {
    const dashboard = new WebDriverDashboard(minibrowser, appOrigin);
    try {
      await use(dashboard);
    } finally {
      await dashboard.dispose();
    }
  },
});

/** The type of both `test` and `webkitTest`: scenarios take it to run on either. */
export type E2ETest = typeof test;

export { expect } from '@playwright/test';

async function attachOnFailure(testInfo: TestInfo, name: string, body: string): Promise<void> {
  if (testInfo.status === testInfo.expectedStatus || body === '') return;
  const path = testInfo.outputPath(name);
  await writeFile(path, body);
  await testInfo.attach(name, { path, contentType: 'text/plain' });
}

async function saveWebDriverArtifacts(browser: WebdriverIO.Browser, testInfo: TestInfo): Promise<void> {
  const screenshot = testInfo.outputPath('test-failed.png');
  await browser.saveScreenshot(screenshot);
  await testInfo.attach('screenshot', { path: screenshot, contentType: 'image/png' });
  const source = testInfo.outputPath('page.html');
  await writeFile(source, await browser.getPageSource());
  await testInfo.attach('page.html', { path: source, contentType: 'text/html' });
}
