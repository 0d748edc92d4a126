import type { RequestHandler } from 'express';
import { API_PATHS } from '@sessionboard/protocol';

const SEGMENT = '[^/]+';

/**
 * The methods every route of PROTOCOL.md takes, by path pattern; a new route gets a line
 * here. Any other path under `/api` is unknown; any other path outside it is the dashboard.
 */
export const ALLOWED_METHODS: readonly (readonly [RegExp, string])[] = [
  [exact(API_PATHS.health), 'GET, HEAD'],
  [exact(API_PATHS.sessions), 'GET, HEAD, POST'],
  [exact(`${API_PATHS.sessions}/${SEGMENT}`), 'GET, HEAD, DELETE'],
  [exact(`${API_PATHS.sessions}/${SEGMENT}/output`), 'GET, HEAD'],
  [exact(API_PATHS.stream), 'GET, HEAD'],
  [exact(`${API_PATHS.stream}/${SEGMENT}/output`), 'GET, HEAD'],
  [exact(API_PATHS.dirs), 'GET, HEAD'],
  [exact(API_PATHS.login), 'POST'],
  [exact(API_PATHS.logout), 'POST'],
  [exact(API_PATHS.authStatus), 'GET, HEAD'],
  [exact(API_PATHS.openapi), 'GET, HEAD'],
  [exact(API_PATHS.metrics), 'GET, HEAD'],
];

function exact(pattern: string): RegExp {
  return new RegExp(`^${pattern.replaceAll('.', '\\.')}/?$`);
}

/**
 * Answers `OPTIONS` the same way on every route: 204 with `Allow` listing its methods, with
 * no credentials needed (it tells nothing the API description does not); an unknown path
 * under `/api` goes on to its 404. CORS preflights are answered before, by `corsHeaders`.
 */
export const answerOptions: RequestHandler = (req, res, next) => {
  if (req.method !== 'OPTIONS') {
    next();
    return;
  }
  const path = req.path;
  const allowed = ALLOWED_METHODS.find(([pattern]) => pattern.test(path))?.[1] ?? (path.startsWith('/api/') || path === '/api' ? undefined : 'GET, HEAD');
  if (allowed === undefined) {
    next();
    return;
  }
  res.setHeader('Allow', allowed);
  res.status(204).end();
};
