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

  async reload(): Promise<void> {
    await this.page.reload();
  }

  async evaluate<T, A = undefined>(fn: (arg: A) => T, arg?: A): Promise<T> {
    return this.page.evaluate(fn as (arg: unknown) => T, arg as unknown);
  }

  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path });
  }

  async click(selector: string): Promise<void> {
    await this.page.locator(selector).first().click();
  }

  async addInitScript(script: () => void): Promise<void> {
    await this.page.addInitScript(script);
  }
}
