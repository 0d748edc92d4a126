import { existsSync } from 'node:fs';

/**
 * Where the browsers come from. By default the e2e suite drives the system's browsers
 * (Debian's `chromium`, `firefox-esr`, `WebKitWebDriver` + MiniBrowser); with
 * `PLAYWRIGHT_OWN_BROWSERS=1` it uses the browsers `npx playwright install` downloads
 * and drives WebKit through Playwright too.
 */
export const OWN_BROWSERS = process.env.PLAYWRIGHT_OWN_BROWSERS === '1';

/** Debian's Chromium; `CHROMIUM_PATH` overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Firefox ESR, driven over WebDriver BiDi; `FIREFOX_PATH` overrides. */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Debian's WebKitGTK WebDriver; `WEBKIT_WEBDRIVER_PATH` overrides. */
export const WEBKIT_WEBDRIVER_PATH = process.env.WEBKIT_WEBDRIVER_PATH ?? 'WebKitWebDriver';

/**
 * How the `webkit` project drives WebKit: `webdriver` (Debian's WebKitWebDriver and
 * MiniBrowser, the default) or `playwright` (Playwright's own WebKit build, the default with
 * `PLAYWRIGHT_OWN_BROWSERS=1`). `WEBKIT_DRIVER` overrides.
 */
export const WEBKIT_DRIVER: 'webdriver' | 'playwright' =
  process.env.WEBKIT_DRIVER === 'playwright' || process.env.WEBKIT_DRIVER === 'webdriver'
    ? process.env.WEBKIT_DRIVER
    : OWN_BROWSERS
      ? 'playwright'
      : 'webdriver';

// Without the background-networking flags Chromium keeps calling Google's hosts, which a
// closed network refuses many times a second.
/** Flags for Debian's Chromium. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** MiniBrowser, the WebKitGTK browser WebKitWebDriver starts; `WEBKIT_MINIBROWSER_PATH` overrides. */
export function miniBrowserPath(): string {
  const fromEnv = process.env.WEBKIT_MINIBROWSER_PATH;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const candidates = ['x86_64-linux-gnu', 'aarch64-linux-gnu'].flatMap((triplet) => [
    `/usr/lib/${triplet}/webkit2gtk-4.1/MiniBrowser`,
    `/usr/lib/${triplet}/webkit2gtk-4.0/MiniBrowser`,
  ]);
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    throw new Error(
      `MiniBrowser not found in ${candidates.join(', ')}: install webkit2gtk-driver ` +
        '(scripts/ensure-deps.sh) or set WEBKIT_MINIBROWSER_PATH',
    );
  }
  return found;
}
