import type { SessionStatus } from '@sessionboard/protocol';
import { waitUntil } from './waitUntil.ts';

/** The states of the connection-status indicator (PROTOCOL.md, Dashboard behaviour). */
export type ConnectionState = 'live' | 'connecting' | 'polling' | 'offline';

/** One `[data-testid="session-row"]` as the page shows it. */
export interface SessionRow {
  id: string;
  status: SessionStatus;
}

/** `rows` as a canonical string (`id:status`, sorted), to compare what two lists show. */
export function rowsKey(rows: readonly SessionRow[]): string {
  return rows
    .map((row) => `${row.id}:${row.status}`)
    .sort()
    .join(',');
}

/** `[data-testid="session-output"]` as the page shows it (PROTOCOL.md's output hooks). */
export interface SessionOutputView {
  sessionId: string;
  /** `data-offset`: the byte offset shown up to. */
  offset: number;
  /** `data-state`: `live`, `polling`, `ended`, or null before the output came one of those ways. */
  state: 'live' | 'polling' | 'ended' | null;
  /** The output's text as shown (no escape sequences). */
  text: string;
}

/** Options of the `waitFor…` methods. */
export interface WaitOptions {
  /** @default 15_000, longer than one 10-s polling interval */
  timeoutMs?: number;
}

const DEFAULT_WAIT_MS = 15_000;

/**
 * The dashboard as a person sees it, through its stable test hooks, for any browser driver:
 * scenarios written against this class run unchanged on Playwright's browsers and on WebKit
 * over WebDriver. A driver supplies navigation, script evaluation and screenshots; the
 * reads and waits here are built on those, so they behave the same everywhere.
 */
export abstract class Dashboard {
  /** Which kind of driver is behind this dashboard. */
  abstract readonly driver: 'playwright' | 'webdriver';

  constructor(readonly baseURL: string) {}

  /** Loads `path` (relative to the server) and waits for the document to load. */
  abstract goto(path?: string): Promise<void>;

  /** Reloads the page, as the browser's reload button does, and waits for the document to load. */
  abstract reload(): Promise<void>;

  /**
   * Runs a self-contained function in the page, with a JSON-able `arg`, and returns its
   * JSON-able result. A result object must not have an `error` key: WebdriverIO takes
   * such a result for a failed command and throws.
   */
  abstract evaluate<T, A = undefined>(fn: (arg: A) => T, arg?: A): Promise<T>;

  /** Saves a PNG of the viewport. */
  abstract screenshot(path: string): Promise<void>;

  /** Clicks (or taps) the first element matching the CSS `selector`, as a person would. */
  abstract click(selector: string): Promise<void>;

  /**
   * Runs the self-contained `script` in every page this dashboard later loads, before the
   * page's own scripts: how a test takes a browser feature away, e.g. `EventSource`.
   */
  abstract addInitScript(script: () => void): Promise<void>;

  /** Releases what the driver set up for this dashboard (the fixture calls it). */
  async dispose(): Promise<void> {}

  /** The text of the first element matching `selector`, or `null` when there is none. */
  async textOf(selector: string): Promise<string | null> {
    return this.evaluate((css) => document.querySelector(css)?.textContent ?? null, selector);
  }

  /** The indicator's `data-state`, or `null` while there is no indicator. */
  async connectionState(): Promise<ConnectionState | null> {
    return this.evaluate(() => {
      const indicator = document.querySelector('[data-testid="connection-status"]');
      return (indicator?.getAttribute('data-state') ?? null) as ConnectionState | null;
    });
  }

  /** Every session row, in page order. */
  async rows(): Promise<SessionRow[]> {
    return this.evaluate(() =>
      Array.from(document.querySelectorAll('[data-testid="session-row"]')).map((row) => ({
        id: row.getAttribute('data-session-id') ?? '',
        status: (row.getAttribute('data-status') ?? '') as SessionStatus,
      })),
    );
  }

  /** The status the row of session `id` shows, or `null` when there is no such row. */
  async rowStatus(id: string): Promise<SessionStatus | null> {
    return (await this.rows()).find((row) => row.id === id)?.status ?? null;
  }

  /** Waits until the indicator shows one of `states`, and returns the one it shows. */
  async waitForConnectionState(
    states: ConnectionState | ConnectionState[],
    options: WaitOptions = {},
  ): Promise<ConnectionState> {
    const wanted = Array.isArray(states) ? states : [states];
    let seen: ConnectionState | null = null;
    try {
      return await waitUntil(
        async () => {
          seen = await this.connectionState();
          return seen !== null && wanted.includes(seen) ? seen : undefined;
        },
        { timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS },
      );
    } catch {
      throw new Error(
        `connection-status never showed ${wanted.join(' or ')} in ${options.timeoutMs ?? DEFAULT_WAIT_MS} ms; last: ${String(seen)}`,
      );
    }
  }

  /** Waits until the row of session `id` exists (with `status`, when given). */
  async waitForRow(id: string, status?: SessionStatus, options: WaitOptions = {}): Promise<SessionRow> {
    let seen: SessionStatus | null = null;
    try {
      return await waitUntil(
        async () => {
          seen = await this.rowStatus(id);
          return seen !== null && (status === undefined || seen === status) ? { id, status: seen } : undefined;
        },
        { timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS },
      );
    } catch {
      const what = status === undefined ? 'appear' : `show ${status}`;
      throw new Error(`row ${id} did not ${what} in ${options.timeoutMs ?? DEFAULT_WAIT_MS} ms; last: ${String(seen)}`);
    }
  }

  /**
   * Waits until the rows shown satisfy `accept`, and returns them.
   * @param what says what was awaited, for the timeout message (which quotes the last rows)
   */
  async waitForRows(
    accept: (rows: SessionRow[]) => boolean,
    what: string,
    options: WaitOptions = {},
  ): Promise<SessionRow[]> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    let seen: SessionRow[] = [];
    try {
      return await waitUntil(
        async () => {
          seen = await this.rows();
          return accept(seen) ? seen : undefined;
        },
        { timeoutMs },
      );
    } catch {
      throw new Error(`the rows did not show ${what} in ${timeoutMs} ms; last: ${JSON.stringify(seen)}`);
    }
  }

  /** The open session output view, or `null` when there is none. */
  async output(): Promise<SessionOutputView | null> {
    return this.evaluate(() => {
      const view = document.querySelector('[data-testid="session-output"]');
      if (view === null) return null;
      return {
        sessionId: view.getAttribute('data-session-id') ?? '',
        offset: Number(view.getAttribute('data-offset')),
        state: view.getAttribute('data-state') as 'live' | 'polling' | 'ended' | null,
        text: view.querySelector('[data-testid="output-text"]')?.textContent ?? '',
      };
    });
  }

  /**
   * Waits until the output view shows what `accept` wants, and returns it.
   * @param what says what was awaited, for the timeout message (which quotes the last view)
   */
  async waitForOutput(accept: (output: SessionOutputView) => boolean, what: string, options: WaitOptions = {}): Promise<SessionOutputView> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    let seen: SessionOutputView | null = null;
    try {
      return await waitUntil(
        async () => {
          seen = await this.output();
          return seen !== null && accept(seen) ? seen : undefined;
        },
        { timeoutMs },
      );
    } catch {
      const last = seen === null ? 'no output view' : JSON.stringify({ ...(seen as SessionOutputView), text: (seen as SessionOutputView).text.slice(-300) });
      throw new Error(`the output did not show ${what} in ${timeoutMs} ms; last: ${last}`);
    }
  }

  /** The address's fragment, e.g. `#/sessions/<id>`. */
  async hash(): Promise<string> {
    return this.evaluate(() => location.hash);
  }

  /** Waits until there is no row for session `id`. */
  async waitForRowGone(id: string, options: WaitOptions = {}): Promise<void> {
    await waitUntil(async () => ((await this.rowStatus(id)) === null ? true : undefined), {
      timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
      message: `row ${id} to be removed`,
    });
  }
}
