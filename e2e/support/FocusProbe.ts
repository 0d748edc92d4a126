import type { Page } from '@playwright/test';

/** What {@link FocusProbe} saw since the page loaded. */
export interface FocusRecord {
  /** Every element that received focus, in order, described as `tag[data-testid]`. */
  path: string[];
  /**
   * The element that had focus just before each time focus was found on `<body>` (or
   * nowhere), once focus had first moved.
   */
  lostAfter: string[];
}

interface ProbeWindow {
  __focusProbe?: FocusRecord;
}

/**
 * Watches focus in the page from before its scripts run: every `focusin`, and, every
 * 10 ms, whether focus has fallen to `<body>` — what a keyboard user experiences as
 * "lost": the next Tab starts again from the top of the page.
 */
export class FocusProbe {
  private constructor(private readonly page: Page) {}

  static async install(page: Page): Promise<FocusProbe> {
    await page.addInitScript(() => {
      const record: FocusRecord = { path: [], lostAfter: [] };
      (window as ProbeWindow).__focusProbe = record;
      const describe = (element: Element | null): string => {
        if (element === null) return 'nothing';
        const testId = element.getAttribute('data-testid');
        const row = element.closest('[data-session-id]')?.getAttribute('data-session-id');
        return `${element.tagName.toLowerCase()}${testId ? `[${testId}]` : ''}${row ? ` in ${row}` : ''}`;
      };
      let last: string | null = null;
      document.addEventListener('focusin', (event) => {
        last = describe(event.target as Element);
        record.path.push(last);
      });
      setInterval(() => {
        const active = document.activeElement;
        if (last !== null && (active === null || active === document.body)) {
          record.lostAfter.push(last);
          last = null;
        }
      }, 10);
    });
    return new FocusProbe(page);
  }

  async record(): Promise<FocusRecord> {
    const record = await this.page.evaluate(() => (window as ProbeWindow).__focusProbe ?? null);
    if (record === null) throw new Error('FocusProbe: not installed before the page loaded');
    return record;
  }
}
