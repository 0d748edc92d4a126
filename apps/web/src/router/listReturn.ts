import type { LocationQuery, RouteLocationRaw, Router } from 'vue-router';

interface ListReturn {
  /** The list's query (filters, search, order) when it last showed. */
  query: LocationQuery;
  /** The session whose page was open just before the list showed again; taken once. */
  focusSessionId: string | null;
}

const returns = new WeakMap<Router, ListReturn>();

/**
 * Has `router` remember, as it moves, the list's last query and the session that was open
 * when the list shows again: "back to the list" keeps the filters, and focus goes back to
 * that session's row, whether the way back was the page's link or the browser's Back.
 */
export function trackListReturn(router: Router): void {
  const state: ListReturn = { query: {}, focusSessionId: null };
  returns.set(router, state);
  router.afterEach((to, from, failure) => {
    if (failure !== undefined || to.name !== 'sessions') return;
    state.query = to.query;
    state.focusSessionId = from.name === 'session' ? String(from.params['id']) : null;
  });
}

/** The list with the filters it last had: where "back to the list" goes. */
export function listLocation(router: Router): RouteLocationRaw {
  return { name: 'sessions', query: returns.get(router)?.query ?? {} };
}

/** The session whose page the list was just reached from, once; null after, and on any other way in. */
export function takeListFocus(router: Router): string | null {
  const state = returns.get(router);
  if (state === undefined) return null;
  const id = state.focusSessionId;
  state.focusSessionId = null;
  return id;
}
