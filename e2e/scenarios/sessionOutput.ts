import type { Dashboard } from '../support/Dashboard.ts';
import { expect } from '../support/fixtures.ts';
import type { E2ETest } from '../support/fixtures.ts';
import { waitUntil } from '../support/waitUntil.ts';

/**
 * A process that prints a numbered line every 0.3 s, red on stdout (`ESC[31m`), and a
 * warning on stderr every third line, for a few minutes.
 */
const TICKER = [
  'sh',
  '-c',
  'i=0; while [ $i -lt 600 ]; do i=$((i+1)); printf "\\033[31mtick %d\\033[0m plain\\n" $i; if [ $((i % 3)) -eq 1 ]; then echo "warn $i" >&2; fi; sleep 0.3; done',
];

/** Lines of the output that say `tick <n>`, as numbers. */
function ticks(text: string): number[] {
  return Array.from(text.matchAll(/tick (\d+)/g), (match) => Number(match[1]));
}

/** `rgb(r, g, b)` → [r, g, b]. */
function channels(color: string | null): number[] {
  return (color ?? '').match(/\d+/g)?.slice(0, 3).map(Number) ?? [];
}

async function ansiRedColour(dashboard: Dashboard): Promise<{ color: string | null; classes: string | null; stderr: string | null }> {
  return dashboard.evaluate(() => {
    const red = document.querySelector('[data-testid="session-output"] .ansi-red-fg');
    const stderr = document.querySelector('[data-testid="session-output"] .session-output-segment--stderr');
    return { color: red ? getComputedStyle(red).color : null, classes: red?.className ?? null, stderr: stderr?.textContent ?? null };
  });
}

/** Issue 13's proof in the browser: a session's page follows its output live, in colour, through a reload and without EventSource. */
export function sessionOutputScenarios(test: E2ETest): void {
  test.describe('session output', () => {
    test('a row opens its session, whose output arrives live in ANSI colour with stderr told apart, and a reload on its address shows it again', async ({
      dashboard,
      server,
    }) => {
      const session = await server.api.createSession({ name: 'ticker', command: TICKER });
      await dashboard.goto('/');
      await dashboard.waitForConnectionState('live');
      await dashboard.waitForRow(session.id, 'running');

      // A click on the row (its command, not its link) opens the session's page.
      await dashboard.click(`[data-testid="session-row"][data-session-id="${session.id}"] .session-table-row__command`);
      await waitUntil(async () => ((await dashboard.hash()) === `#/sessions/${session.id}` ? true : undefined), {
        message: `the address to become #/sessions/${session.id}`,
      });
      const first = await dashboard.waitForOutput(
        (output) => output.sessionId === session.id && output.state === 'live' && ticks(output.text).length >= 2,
        'two ticks, live',
      );

      // Live: more comes without a reload, in order, none twice.
      const later = await dashboard.waitForOutput(
        (output) => output.offset > first.offset && ticks(output.text).length >= ticks(first.text).length + 3,
        'three more ticks',
      );
      const seen = ticks(later.text);
      expect(seen).toEqual(seen.map((_tick, index) => index + 1));
      expect(later.state).toBe('live');

      // ANSI red is drawn red (the colour comes through the CSSOM, which the page's CSP allows).
      const shown = await ansiRedColour(dashboard);
      expect(shown.classes).toContain('ansi-red-fg');
      const [red, green, blue] = channels(shown.color);
      expect(red!).toBeGreaterThan(green! + 60);
      expect(red!).toBeGreaterThan(blue! + 60);
      expect(shown.stderr).toMatch(/^warn \d+/);
      expect(later.text).not.toContain('\u001b');

      // The address is bookmarkable: reloading it shows the same session, from its first byte.
      await dashboard.evaluate(() => {
        (window as { beforeReload?: boolean }).beforeReload = true;
      });
      await dashboard.reload();
      expect(await dashboard.evaluate(() => (window as { beforeReload?: boolean }).beforeReload ?? false)).toBe(false);
      expect(await dashboard.hash()).toBe(`#/sessions/${session.id}`);
      const reloaded = await dashboard.waitForOutput(
        (output) => output.sessionId === session.id && output.state === 'live' && ticks(output.text).length > seen.length,
        'the output again after the reload, and more',
      );
      expect(ticks(reloaded.text).slice(0, seen.length)).toEqual(seen);
      expect(await dashboard.textOf('[data-testid="detail-name"]')).toBe('ticker');
    });

    test('an ended session shows all its output and says ended', async ({ dashboard, server }) => {
      const session = await server.api.createSession({
        name: 'finished',
        command: ['sh', '-c', 'printf "\\033[32mall good\\033[0m\\n"; echo "but this went to stderr" >&2; exit 3'],
      });
      await server.api.waitForStatus(session.id, 'exited');
      await dashboard.goto(`/#/sessions/${session.id}`);
      const output = await dashboard.waitForOutput((view) => view.state === 'ended', 'ended');
      expect(output.text).toContain('all good\n');
      expect(output.text).toContain('but this went to stderr\n');
      expect(await dashboard.textOf('[data-testid="detail-result"]')).toBe('Exit code 3');
    });

    test('without EventSource the output is polled every 2 s and still arrives', async ({ dashboard, server }) => {
      await dashboard.addInitScript(() => {
        delete (window as { EventSource?: unknown }).EventSource;
      });
      const session = await server.api.createSession({ name: 'polled ticker', command: TICKER });
      await dashboard.goto(`/#/sessions/${session.id}`);
      const first = await dashboard.waitForOutput((output) => output.state === 'polling' && ticks(output.text).length >= 1, 'a tick, polling');
      // Within one 2-s interval (and slack for a loaded machine), the next poll brings more.
      const next = await dashboard.waitForOutput((output) => output.offset > first.offset, 'more output by the next poll', { timeoutMs: 6000 });
      expect(next.state).toBe('polling');
      const seen = ticks(next.text);
      expect(seen).toEqual(seen.map((_tick, index) => index + 1));
      expect(await dashboard.evaluate(() => typeof (window as { EventSource?: unknown }).EventSource)).toBe('undefined');
    });
  });
}
