import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { remote } from 'webdriverio';
import { WEBKIT_WEBDRIVER_PATH, miniBrowserPath } from './browsers.ts';
import { freePort } from './freePort.ts';
import { waitUntil } from './waitUntil.ts';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Debian's WebKit engine behind WebDriver: an Xvfb display of its own (MiniBrowser is a GTK
 * program and needs one) and `WebKitWebDriver` on a free loopback port, which starts a fresh
 * MiniBrowser for every session. `WEBKIT_HEADED=1` uses the caller's `DISPLAY` instead.
 */
export class WebKitDriver {
  private output = '';

  private constructor(
    readonly port: number,
    private readonly driver: ChildProcess,
    private readonly xvfb: ChildProcess | null,
  ) {
    const append = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-200_000);
    };
    driver.stdout?.on('data', append);
    driver.stderr?.on('data', append);
  }

  /**
   * Starts the display and the driver and waits until the driver answers `/status`.
   * @throws Error when either cannot start within 15 s
   */
  static async start(): Promise<WebKitDriver> {
    const headed = process.env.WEBKIT_HEADED === '1' && process.env.DISPLAY !== undefined;
    const xvfb = headed ? null : await startXvfb();
    const display = headed ? process.env.DISPLAY : xvfb?.display;
    const port = await freePort();
    const driver = spawn(WEBKIT_WEBDRIVER_PATH, [`--port=${port}`], {
      env: { ...process.env, DISPLAY: display },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(driver);
    driver.once('exit', () => live.delete(driver));
    const instance = new WebKitDriver(port, driver, xvfb?.child ?? null);
    try {
      await waitUntil(
        async () => {
          if (driver.exitCode !== null || driver.signalCode !== null) {
            throw new Error(`WebKitWebDriver exited: ${instance.log}`);
          }
          const response = await fetch(`http://127.0.0.1:${port}/status`);
          return response.ok ? true : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 50, message: `WebKitWebDriver on port ${port}` },
      );
    } catch (error) {
      await instance.dispose();
      throw error;
    }
    return instance;
  }

  /** What WebKitWebDriver and its MiniBrowsers printed. */
  get log(): string {
    return this.output;
  }

  /** A new WebDriver classic session in a fresh MiniBrowser. */
  async newSession(): Promise<WebdriverIO.Browser> {
    // A variable, not a literal: WebdriverIO's capability types do not list webkitgtk:*.
    const capabilities = {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: miniBrowserPath(), args: ['--automation'] },
      // WebKitGTK's driver speaks WebDriver classic only.
      'wdio:enforceWebDriverClassic': true,
    };
    return remote({
      hostname: '127.0.0.1',
      port: this.port,
      // A failed command throws; WebdriverIO's own log of it only repeats that. WDIO_LOG_LEVEL overrides.
      logLevel: wdioLogLevel(),
      connectionRetryCount: 1,
      capabilities,
    });
  }

  /** Stops the driver (and with it any MiniBrowser left) and the display. */
  async dispose(): Promise<void> {
    await terminate(this.driver);
    if (this.xvfb !== null) await terminate(this.xvfb);
  }
}

/** Starts Xvfb on a display number it picks itself (`-displayfd`), so parallel runs never collide. */
async function startXvfb(): Promise<{ child: ChildProcess; display: string }> {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const displayFd = child.stdio[3];
  if (displayFd === null || displayFd === undefined || !('on' in displayFd)) {
    child.kill('SIGKILL');
    throw new Error('Xvfb: no pipe for -displayfd');
  }
  const display = await new Promise<string>((resolve, reject) => {
    let text = '';
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n${stderr}`));
    };
    const timer = setTimeout(() => fail(new Error('Xvfb did not report a display in 15 s')), 15_000);
    displayFd.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (!settled && text.includes('\n')) {
        settled = true;
        clearTimeout(timer);
        resolve(`:${text.trim()}`);
      }
    });
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`Xvfb exited with ${code}`)));
  });
  return { child, display };
}

type WdioLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

function wdioLogLevel(): WdioLogLevel {
  const levels: WdioLogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'silent'];
  const fromEnv = process.env.WDIO_LOG_LEVEL as WdioLogLevel | undefined;
  return fromEnv !== undefined && levels.includes(fromEnv) ? fromEnv : 'silent';
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
