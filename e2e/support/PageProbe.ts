import type { ConnectionState, Dashboard } from './Dashboard.ts';

/** What {@link PageProbe} has recorded in the page since it was installed. */
export interface PageRecord {
  /** Every `data-state` the indicator showed, in order, consecutive repeats dropped. */
  states: ConnectionState[];
  /** Epoch ms (the page's `Date.now()`) at which a row for each session id first appeared. */
  firstSeen: Record<string, number>;
  /** Session ids that ever had more than one row at the same time. */
  duplicates: string[];
  /**
   * For each session id, the statuses its row showed, in order, consecutive repeats dropped,
   * and `gone` whenever the row disappeared.
   */
  history: Record<string, string[]>;
}

interface ProbeWindow {
  __e2eProbe?: PageRecord;
}

/**
 * A `MutationObserver` the test puts in the loaded page (through `Dashboard.evaluate`, not
 * an app hook) to see what polling from outside could miss between two looks: every state
 * the indicator passed through, when each row first appeared, and whether a session was
 * ever shown twice. A new page load discards it: install it after `goto`.
 */
export class PageProbe {
  private constructor(private readonly dashboard: Dashboard) {}

  static async install(dashboard: Dashboard): Promise<PageProbe> {
    await dashboard.evaluate(() => {
      const record: PageRecord = { states: [], firstSeen: {}, duplicates: [], history: {} };
      const note = (id: string, what: string): void => {
        const seen = (record.history[id] ??= []);
        if (seen[seen.length - 1] !== what) seen.push(what);
      };
      (window as ProbeWindow).__e2eProbe = record;
      const look = (): void => {
        const state = document.querySelector('[data-testid="connection-status"]')?.getAttribute('data-state');
        if (state && record.states[record.states.length - 1] !== state) record.states.push(state as ConnectionState);
        const counts = new Map<string, number>();
        for (const row of Array.from(document.querySelectorAll('[data-testid="session-row"]'))) {
          const id = row.getAttribute('data-session-id') ?? '';
          counts.set(id, (counts.get(id) ?? 0) + 1);
          record.firstSeen[id] ??= Date.now();
          note(id, row.getAttribute('data-status') ?? '');
        }
        for (const id of Object.keys(record.history)) {
          if (!counts.has(id)) note(id, 'gone');
        }
        for (const [id, count] of Array.from(counts)) {
          if (count > 1 && !record.duplicates.includes(id)) record.duplicates.push(id);
        }
      };
      look();
      new MutationObserver(look).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ['data-state', 'data-session-id', 'data-status'],
      });
    });
    return new PageProbe(dashboard);
  }

  /** When a row for session `id` first appeared (the page's epoch ms), or `null` before it has. */
  async firstSeen(id: string): Promise<number | null> {
    return this.dashboard.evaluate((sessionId) => {
      const record = (window as ProbeWindow).__e2eProbe;
      if (record === undefined) throw new Error('PageProbe: the page was reloaded since the probe was installed');
      return record.firstSeen[sessionId] ?? null;
    }, id);
  }

  /** What has been recorded so far. */
  async record(): Promise<PageRecord> {
    const record = await this.dashboard.evaluate(() => (window as ProbeWindow).__e2eProbe ?? null);
    if (record === null) throw new Error('PageProbe: the page was reloaded since the probe was installed');
    return record;
  }
}
