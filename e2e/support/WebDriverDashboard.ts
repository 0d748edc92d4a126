import { Dashboard } from './Dashboard.ts';
import { InitScriptProxy } from './InitScriptProxy.ts';

/** {@link Dashboard} on a WebDriver session (WebKit's MiniBrowser). */
export class WebDriverDashboard extends Dashboard {
  readonly driver = 'webdriver';
  private readonly initScripts: string[] = [];
  private proxy: InitScriptProxy | null = null;

  constructor(
    readonly browser: WebdriverIO.Browser,
    baseURL: string,
  ) {
    super(baseURL);
  }

  /** With init scripts, loads the page through an {@link InitScriptProxy} that adds them. */
  async goto(path = '/'): Promise<void> {
    let origin = this.baseURL;
    if (this.initScripts.length > 0) {
      this.proxy ??= await InitScriptProxy.start(this.baseURL, this.initScripts);
      origin = this.proxy.origin;
    }
    await this.browser.url(new URL(path, origin).href);
  }

  async reload(): Promise<void> {
    await this.browser.refresh();
  }

  async evaluate<T, A = undefined>(fn: (arg: A) => T, arg?: A): Promise<T> {
    // WebdriverIO's types of execute's arguments are about elements; these are plain JSON.
    return (await this.browser.execute(fn as never, arg as never)) as T;
  }

  async screenshot(path: string): Promise<void> {
    await this.browser.saveScreenshot(path);
  }

  async click(selector: string): Promise<void> {
    await this.browser.$(selector).click();
  }

  // WebKitWebDriver speaks WebDriver classic, which has no preload scripts (BiDi's
  // script.addPreloadScript): the proxy puts the script in the page itself, ahead of the app's.
  async addInitScript(script: () => void): Promise<void> {
    if (this.proxy !== null) throw new Error('addInitScript: call it before the first goto');
    this.initScripts.push(`(${script.toString()})();`);
  }

  override async dispose(): Promise<void> {
    await this.proxy?.close();
    this.proxy = null;
  }
}
