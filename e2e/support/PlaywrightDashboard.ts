import type { Page } from '@playwright/test';
import { Dashboard } from './Dashboard.ts';

/** {@link Dashboard} on a Playwright page (Chromium, Firefox, mobile, Playwright's WebKit). */
export class PlaywrightDashboard extends Dashboard {
  readonly driver = 'playwright';

  constructor(
    readonly page: Page,
    baseURL: string,
  ) {
    super(baseURL);
  }

  async goto(path = '/'): Promise<void> {
    await this.page.goto(new URL(path, this.baseURL).href);
  }

  async evaluate<T>(fn: () => T): Promise<T> {
    return this.page.evaluate(fn);
  }

  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path });
  }
}
