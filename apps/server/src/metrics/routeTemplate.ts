/**
 * Every route of PROTOCOL.md (and `/api/auth/*`) as the template that labels its metrics.
 * Order matters only between templates that could match the same path; none do.
 */
export const ROUTE_TEMPLATES = [
  '/api/health',
  '/api/sessions',
  '/api/sessions/:id',
  '/api/sessions/:id/output',
  '/api/sse/sessions',
  '/api/sse/sessions/:id/output',
  '/api/fs/dirs',
  '/api/auth/login',
  '/api/auth/logout',
  '/api/auth/status',
  '/api/openapi.json',
  '/metrics',
] as const;

/** The label of a path under `/api` (or any non-GET) that no route serves: 404s. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The label of the dashboard: its files and its client-side routes (`GET` outside `/api`). */
export const DASHBOARD_ROUTE = 'dashboard';

/** Routes whose `200` is a long-lived event stream. */
export const STREAM_ROUTES: ReadonlySet<string> = new Set(['/api/sse/sessions', '/api/sse/sessions/:id/output']);

const MATCHERS = ROUTE_TEMPLATES.map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\./g, '\\.').replace(/:id/g, '[^/]+')}/?$`),
}));

/**
 * The route template a request is labelled with: one of {@link ROUTE_TEMPLATES},
 * {@link DASHBOARD_ROUTE} or {@link UNMATCHED_ROUTE}. Never the raw path, so label values
 * stay bounded whatever clients send. `url` is the request target, query included.
 */
export function routeTemplate(method: string, url: string): string {
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  for (const { template, pattern } of MATCHERS) if (pattern.test(path)) return template;
  if ((method === 'GET' || method === 'HEAD') && path.startsWith('/') && !path.startsWith('/api/') && path !== '/api') {
    return DASHBOARD_ROUTE;
  }
  return UNMATCHED_ROUTE;
}

const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The method label: the HTTP method, or `other` for any other word a client sends. */
export function methodLabel(method: string | undefined): string {
  return method !== undefined && METHODS.has(method) ? method : 'other';
}
