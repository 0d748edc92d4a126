import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { DASHBOARD_ROUTE, routeTemplate } from '../metrics/routeTemplate.ts';

/**
 * Routes logged at `debug` rather than `info`: monitors and Prometheus call them every few
 * seconds, and a page load fetches a dozen files; at `info` they would drown what matters.
 */
const QUIET_ROUTES: ReadonlySet<string> = new Set(['/api/health', '/metrics', DASHBOARD_ROUTE]);

/**
 * Logs each request once it is over: method, URL, status and duration (a stream's whole
 * life), at `info`, or `debug` for health checks, metrics scrapes and the dashboard's files.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const route = routeTemplate(req.method, req.originalUrl);
    const level = QUIET_ROUTES.has(route) ? 'debug' : 'info';
    if (!logger.isLevelEnabled(level)) {
      next();
      return;
    }
    res.once('close', () => {
      const ms = Math.round(performance.now() - started);
      const status = res.headersSent ? res.statusCode : 499;
      logger[level]({ method: req.method, url: req.originalUrl, status, ms }, `${req.method} ${req.originalUrl} ${status} ${ms} ms`);
    });
    next();
  };
}
