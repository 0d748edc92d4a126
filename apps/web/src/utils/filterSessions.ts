import type { Session } from '@sessionboard/protocol';
import type { SessionListQuery, StatusFilter } from './sessionListQuery.ts';

/**
 * The filter a session falls under: `running` (running or stopping), `ended` (exited),
 * `failed` (could not start) or `lost` (its instance died). Each session falls under exactly
 * one, so the counts add up to the total.
 */
export function statusFilterOf(session: Session): Exclude<StatusFilter, 'all'> {
  switch (session.status) {
    case 'running':
    case 'stopping':
      return 'running';
    case 'exited':
      return 'ended';
    case 'failed':
      return 'failed';
    case 'lost':
      return 'lost';
  }
}

/** How many sessions each filter shows. */
export function countByFilter(sessions: readonly Session[]): Record<StatusFilter, number> {
  const counts: Record<StatusFilter, number> = { all: sessions.length, running: 0, ended: 0, failed: 0, lost: 0 };
  for (const session of sessions) counts[statusFilterOf(session)] += 1;
  return counts;
}

/**
 * The sessions `query` shows: those of its status whose name or command contains its text
 * (ignoring case), newest first or by name (ties newest first). `sessions` must be newest
 * first, as the store gives them.
 */
export function filterSessions(sessions: readonly Session[], query: SessionListQuery): Session[] {
  const text = query.q.trim().toLowerCase();
  const shown = sessions.filter(
    (session) =>
      (query.status === 'all' || statusFilterOf(session) === query.status) &&
      (text === '' || session.name.toLowerCase().includes(text) || session.command.join(' ').toLowerCase().includes(text)),
  );
  if (query.sort === 'name') {
    // Array.prototype.sort is stable: equal names keep the newest-first order.
    shown.sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true }));
  }
  return shown;
}
