import { createRouter, createWebHashHistory } from 'vue-router';
import type { Router, RouteRecordRaw, RouterHistory } from 'vue-router';
import SessionListView from '../views/SessionListView.vue';

/**
 * The dashboard's pages. `/` is the list, its filters in the query
 * (`#/?status=running&q=foo&sort=name`). A page is one more record here and one more
 * view in `views/` (the session detail, `#/sessions/:id`, is next). Anything else goes
 * to the list.
 */
export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'sessions', component: SessionListView },
  { path: '/:unknown(.*)*', redirect: '/' },
];

/**
 * The router, with hash history by default: the server serves one `index.html` at `/`,
 * and an address like `#/sessions/<id>` can be bookmarked without it knowing the routes.
 *
 * @param history @default createWebHashHistory()
 */
export function createAppRouter(history: RouterHistory = createWebHashHistory()): Router {
  return createRouter({ history, routes });
}
