import type { Session } from '@sessionboard/protocol';
import { countByFilter } from './filterSessions.ts';

/** The page's name, alone when nothing needs attention. */
export const APP_TITLE = 'Sessionboard';

/** The list's counts the title tells, in its order. */
const TITLE_COUNTS = ['running', 'failed', 'lost'] as const;

/**
 * The tab title: what needs attention, then the page (a session's name, on its page) and
 * the name, e.g. `(2 running, 1 failed) Sessionboard` or `(2 running) build · Sessionboard`.
 * Running counts `running` and `stopping`; failed and lost count those statuses; a part
 * that is zero is left out.
 */
export function formatDocumentTitle(sessions: readonly Session[], page: string | null = null): string {
  const counts = countByFilter(sessions);
  const parts = TITLE_COUNTS.filter((filter) => counts[filter] > 0).map((filter) => `${counts[filter]} ${filter}`);
  const name = page === null ? APP_TITLE : `${page} · ${APP_TITLE}`;
  return parts.length === 0 ? name : `(${parts.join(', ')}) ${name}`;
}
