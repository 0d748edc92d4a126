import { Dashboard } from './Dashboard.ts';

/** {@link Dashboard} on a WebDriver session (WebKit's MiniBrowser). */
export class WebDriverDashboard extends Dashboard {
  readonly driver = 'webdriver';

  constructor(
    readonly browser: WebdriverIO.Browser,
    baseURL: string,
  ) {
    super(baseURL);
  }

  async goto(path = '/'): Promise<void> {
    await this.browser.url(new URL(path, this.baseURL).href);
  }

  async evaluate<T>(fn: () => T): Promise<T> {
    return (await this.browser.execute(fn)) as T;
  }

  async screenshot(path: string): Promise<void> {
    await this.browser.saveScreenshot(path);
  }
}
