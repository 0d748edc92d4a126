/** The status filter of the list: every session, or one kind of state. */
export const STATUS_FILTERS = ['all', 'running', 'ended', 'failed', 'lost'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

/** Orders of the list: newest first (`started`), or by name. */
export const SESSION_SORTS = ['started', 'name'] as const;
export type SessionSort = (typeof SESSION_SORTS)[number];

/** What the list shows, as kept in the address: `#/?status=running&q=foo&sort=name`. */
export interface SessionListQuery {
  /** @default 'all' */
  status: StatusFilter;
  /** Case-insensitive text looked for in the name and the command. @default '' */
  q: string;
  /** @default 'started' */
  sort: SessionSort;
}

/** The list as shown without any query. */
export const DEFAULT_LIST_QUERY: Readonly<SessionListQuery> = { status: 'all', q: '', sort: 'started' };

type RawQuery = Readonly<Record<string, unknown>>;

function first(value: unknown): string | null {
  const item = Array.isArray(value) ? value[0] : value;
  return typeof item === 'string' ? item : null;
}

function oneOf<T extends string>(values: readonly T[], value: string | null, fallback: T): T {
  return values.includes(value as T) ? (value as T) : fallback;
}

/**
 * Reads a route's query (vue-router's `LocationQuery`, or any record of strings and string
 * arrays). Unknown or repeated keys and values it does not know fall back to the defaults,
 * so a hand-edited or stale address still shows a list.
 */
export function parseListQuery(query: RawQuery): SessionListQuery {
  return {
    status: oneOf(STATUS_FILTERS, first(query['status']), DEFAULT_LIST_QUERY.status),
    q: first(query['q']) ?? DEFAULT_LIST_QUERY.q,
    sort: oneOf(SESSION_SORTS, first(query['sort']), DEFAULT_LIST_QUERY.sort),
  };
}

/** The query for an address: only what differs from the defaults, so the plain list is `#/`. */
export function formatListQuery(query: SessionListQuery): Record<string, string> {
  const out: Record<string, string> = {};
  if (query.status !== DEFAULT_LIST_QUERY.status) out['status'] = query.status;
  if (query.q !== '') out['q'] = query.q;
  if (query.sort !== DEFAULT_LIST_QUERY.sort) out['sort'] = query.sort;
  return out;
}
