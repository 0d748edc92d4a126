import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/** Logs each request once it is over: method, URL, status and duration (a stream's whole life). */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.once('close', () => {
      const ms = Math.round(performance.now() - started);
      logger.info({ method: req.method, url: req.originalUrl, status: res.statusCode, ms }, 'request');
    });
    next();
  };
}
