import { defineConfig, devices } from '@playwright/test';
import type { Project } from '@playwright/test';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  FIREFOX_PATH,
  OWN_BROWSERS,
  WEBKIT_DRIVER,
} from './support/browsers.ts';

const { defaultBrowserType: _phoneBrowser, ...pixel7 } = devices['Pixel 7'];

const chromiumLaunch = OWN_BROWSERS ? {} : { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS };

// Page-driven projects run tests/; the WebDriver-driven WebKit project runs webkit/. Both
// kinds of spec file call the same scenarios in scenarios/.
const projects: Project[] = [
  {
    name: 'chromium',
    testDir: './tests',
    use: { ...devices['Desktop Chrome'], launchOptions: chromiumLaunch },
  },
  {
    name: 'firefox',
    testDir: './tests',
    // Playwright drives a stock Firefox over WebDriver BiDi through the moz-firefox channel.
    use: OWN_BROWSERS
      ? { ...devices['Desktop Firefox'] }
      : {
          ...devices['Desktop Firefox'],
          channel: 'moz-firefox',
          launchOptions: { executablePath: FIREFOX_PATH },
        },
  },
  {
    name: 'mobile',
    testDir: './tests',
    use: { ...pixel7, browserName: 'chromium', launchOptions: chromiumLaunch },
  },
  WEBKIT_DRIVER === 'webdriver'
    ? { name: 'webkit', testDir: './webkit' }
    : { name: 'webkit', testDir: './tests', use: { ...devices['Desktop Safari'] } },
];

export default defineConfig({
  projects,
  testMatch: '**/*.spec.ts',
  globalSetup: './support/globalSetup.ts',
  outputDir: 'artifacts',
  forbidOnly: Boolean(process.env.CI),
  retries: process.env.CI ? 1 : 0,
  // Two cores: two workers, each test with its own server and browser.
  workers: Number(process.env.E2E_WORKERS ?? 2),
  // Longer than the 10-s polling interval the fallback scenarios wait through.
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // Inside the 2400-s bound scripts/test.sh puts on the run in CI, so a report is still written.
  globalTimeout: 35 * 60_000,
  reporter: 'list',
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
    navigationTimeout: 15_000,
  },
});
