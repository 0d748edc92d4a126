import type { Session } from '@sessionboard/protocol';

/** The page's name, alone when nothing needs attention. */
export const APP_TITLE = 'Sessionboard';

/**
 * The tab title: what needs attention, then the page (a session's name, on its page) and
 * the name, e.g. `(2 running, 1 failed) Sessionboard` or `(2 running) build · Sessionboard`.
 * Running counts `running` and `stopping`; failed and lost count those statuses; a part
 * that is zero is left out.
 */
export function formatDocumentTitle(sessions: readonly Session[], page: string | null = null): string {
  let running = 0;
  let failed = 0;
  let lost = 0;
  for (const { status } of sessions) {
    if (status === 'running' || status === 'stopping') running += 1;
    else if (status === 'failed') failed += 1;
    else if (status === 'lost') lost += 1;
  }
  const parts = [
    running > 0 ? `${running} running` : null,
    failed > 0 ? `${failed} failed` : null,
    lost > 0 ? `${lost} lost` : null,
  ].filter((part) => part !== null);
  const name = page === null ? APP_TITLE : `${page} · ${APP_TITLE}`;
  return parts.length === 0 ? name : `(${parts.join(', ')}) ${name}`;
}
