import { createRouter, createWebHashHistory } from 'vue-router';
import type { Router, RouteRecordRaw, RouterHistory } from 'vue-router';
import SessionDetailView from '../views/SessionDetailView.vue';
import SessionListView from '../views/SessionListView.vue';
import { trackListReturn } from './listReturn.ts';

/**
 * The dashboard's pages. `/` is the list, its filters in the query
 * (`#/?status=running&q=foo&sort=name`); `/sessions/:id` is one session, its details and
 * output. A page is one more record here and one more view in `views/`. Anything else goes
 * to the list.
 */
export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'sessions', component: SessionListView },
  { path: '/sessions/:id', name: 'session', component: SessionDetailView, props: true },
  { path: '/:unknown(.*)*', redirect: '/' },
];

/**
 * The router, with hash history by default: the server serves one `index.html` at `/`,
 * and an address like `#/sessions/<id>` can be bookmarked without it knowing the routes.
 * It remembers the list's filters for the way back from a session (`listReturn.ts`).
 *
 * @param history @default createWebHashHistory()
 */
export function createAppRouter(history: RouterHistory = createWebHashHistory()): Router {
  const router = createRouter({ history, routes });
  trackListReturn(router);
  return router;
}
