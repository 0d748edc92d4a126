import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page, TestInfo } from '@playwright/test';

/** The rule sets issue 14 holds the dashboard to: WCAG 2.0, 2.1 and 2.2, levels A and AA. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** The two themes, as `prefers-color-scheme` (the dashboard follows the system by default). */
export const THEMES = ['light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

/** Viewports checked on desktop projects; the `mobile` project keeps its device's own. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

/** One axe violation, short enough to read in a failed expectation. */
export interface ViolationSummary {
  rule: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** What one check found, with where it ran. */
export interface AxeCheck {
  view: string;
  theme: Theme;
  viewport: string;
  violations: ViolationSummary[];
  /**
   * How many CSS pixels the page is wider than the viewport: content that needs sideways
   * scrolling on a phone (WCAG 1.4.10, reflow), which axe does not check. 0 when it fits.
   */
  overflowPx: number;
  /** On a phone: controls smaller than 44 × 44 CSS px (issue 14), as `testid or tag: w×h`. */
  smallTargets: string[];
}

/** The smallest touch target issue 14 allows on a phone, in CSS px. */
export const MIN_TARGET_PX = 44;

/** Runs axe on the page as it is, at {@link WCAG_TAGS}, and sums up its violations. */
export async function axeViolations(page: Page): Promise<ViolationSummary[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  return results.violations.map((violation) => ({
    rule: violation.id,
    impact: violation.impact ?? null,
    help: violation.help,
    targets: violation.nodes.map((node) => node.target.join(' ')),
  }));
}

/** The viewports a project checks: both on a desktop project, its own on `mobile`. */
export function viewportsFor(testInfo: TestInfo): ViewportName[] {
  return testInfo.project.name === 'mobile' ? ['phone'] : ['desktop', 'phone'];
}

/** Steps around each check of a view that is open only for the check (a modal dialog). */
export interface ViewSteps {
  /** Opens the view, once the theme and viewport are set. */
  open(): Promise<void>;
  /** Closes it again, so the next theme can be set. */
  close(): Promise<void>;
}

// Whether the browser behind a page emulates `prefers-color-scheme`: asked once a page.
const emulates = new WeakMap<Page, boolean>();

/**
 * Puts the page in `theme`: through `prefers-color-scheme`, which the dashboard follows by
 * default, or, where the browser cannot emulate it (Firefox driven over WebDriver BiDi),
 * through the dashboard's own theme switch in Settings. Returns which way it took.
 */
export async function applyTheme(page: Page, theme: Theme): Promise<'system' | 'switch'> {
  const isTheme = (wanted: Theme) => document.documentElement.dataset['theme'] === wanted;
  if (emulates.get(page) !== false) {
    await page.emulateMedia({ colorScheme: theme });
    const followed = await page
      .waitForFunction(isTheme, theme, { timeout: 2000 })
      .then(() => true)
      .catch(() => false);
    emulates.set(page, followed);
    if (followed) return 'system';
  }
  const panel = page.getByTestId('settings');
  const wasOpen = await panel.evaluate((details) => (details as HTMLDetailsElement).open);
  if (!wasOpen) await page.getByTestId('settings-toggle').click();
  await page.getByTestId(`theme-${theme}`).check();
  if (!wasOpen) await page.getByTestId('settings-toggle').click();
  await page.waitForFunction(isTheme, theme);
  return 'switch';
}

/**
 * Lays out and paints what skips its rendering while off-screen (`content-visibility: auto`,
 * the output's blocks): a user sees it once scrolled to, but axe would take it for hidden and
 * a full-page screenshot shows it blank. A user agent stylesheet cannot be added, so inline.
 */
async function renderSkippedContent(page: Page): Promise<void> {
  await page.evaluate(async () => {
    for (const element of Array.from(document.querySelectorAll<HTMLElement>('*'))) {
      if (getComputedStyle(element).contentVisibility === 'auto') element.style.contentVisibility = 'visible';
    }
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  });
}

/**
 * Shows the page in `theme` at `viewport` (the mobile project keeps its device's size),
 * opens the view with `steps` when given, runs axe, attaches a screenshot, and closes the
 * view again. Returns the check.
 */
export async function checkView(
  page: Page,
  testInfo: TestInfo,
  view: string,
  theme: Theme,
  viewport: ViewportName,
  steps?: ViewSteps,
): Promise<AxeCheck> {
  if (testInfo.project.name !== 'mobile') await page.setViewportSize(VIEWPORTS[viewport]);
  await applyTheme(page, theme);
  await steps?.open();
  // Transitions and the blinking dot would otherwise be caught half way (an endless one
  // cannot finish: it is cancelled).
  await page.evaluate(() =>
    document.getAnimations().forEach((animation) => {
      try {
        animation.finish();
      } catch {
        animation.cancel();
      }
    }),
  );
  await renderSkippedContent(page);
  const violations = await axeViolations(page);
  const overflowPx = await page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
  const smallTargets = viewport === 'phone' ? await smallTargetsOf(page) : [];
  const name = `${view}-${theme}-${viewport}.png`;
  await renderSkippedContent(page);
  const screenshot = await page.screenshot({ fullPage: true });
  await testInfo.attach(name, { body: screenshot, contentType: 'image/png' });
  const keep = process.env['A11Y_SCREENSHOTS_DIR'];
  if (keep) {
    await mkdir(join(keep, testInfo.project.name), { recursive: true });
    await writeFile(join(keep, testInfo.project.name, name), screenshot);
  }
  await steps?.close();
  return { view, theme, viewport, violations, overflowPx, smallTargets };
}

/**
 * The visible controls a finger has to hit that are smaller than {@link MIN_TARGET_PX} in
 * either direction. A radio or checkbox counts by its label, which is what takes the tap.
 */
async function smallTargetsOf(page: Page): Promise<string[]> {
  return page.evaluate((min) => {
    const controls = document.querySelectorAll<HTMLElement>('button, a[href], input, select, summary, textarea');
    const small: string[] = [];
    for (const control of Array.from(controls)) {
      if (control.tabIndex < 0 || control.closest('[aria-hidden="true"], [inert]')) continue;
      const toggle = control instanceof HTMLInputElement && (control.type === 'radio' || control.type === 'checkbox');
      const target = toggle ? (control.closest('label') ?? control) : control;
      const box = target.getBoundingClientRect();
      const style = getComputedStyle(target);
      if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
      if (box.width < min || box.height < min) {
        const name = control.dataset['testid'] ?? `${control.tagName.toLowerCase()} “${(target.textContent ?? '').trim().slice(0, 20)}”`;
        small.push(`${name}: ${Math.round(box.width)}×${Math.round(box.height)}`);
      }
    }
    return small;
  }, MIN_TARGET_PX);
}

/** Runs {@link checkView} for both themes and the project's viewports. */
export async function checkEveryWay(page: Page, testInfo: TestInfo, view: string, steps?: ViewSteps): Promise<AxeCheck[]> {
  const checks: AxeCheck[] = [];
  for (const viewport of viewportsFor(testInfo)) {
    for (const theme of THEMES) checks.push(await checkView(page, testInfo, view, theme, viewport, steps));
  }
  const summary = checks
    .map((check) => `${check.view} ${check.theme} ${check.viewport}: ${check.violations.length} violations, ${check.overflowPx} px overflow, ${check.smallTargets.length} small targets`)
    .join('; ');
  testInfo.annotations.push({ type: 'axe', description: `${testInfo.project.name}: ${summary}` });
  return checks;
}
