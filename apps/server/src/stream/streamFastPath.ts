import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorBody } from '@sessionboard/protocol';
import { API_PATHS } from '@sessionboard/protocol';
import { SSE_HEADERS } from '@sessionboard/sse-broker';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Auth } from '../auth/Auth.ts';
import { countRefusal, openSessionStream, type StreamRouterDeps } from './streamRouter.ts';
import type { AdmissionVerdict } from './streamAdmission.ts';

export interface StreamFastPathDeps extends StreamRouterDeps {
  auth: Auth;
  /** The middleware that sets the security headers every response carries. */
  securityHeaders: RequestHandler;
  logger: Logger;
}

/**
 * Answers `GET` and `HEAD /api/sse/sessions` without Express: it runs the same admission as
 * the Express route and sends the same headers, for a stream and for a refusal alike
 * (computed once: the security headers by running their middleware on a stand-in).
 * Other requests are left to Express (false).
 *
 * Why: a stream lives for hours, and everything Express and its middleware hang on a
 * request stays in memory that long: router continuations, parsed URLs, a header map per
 * response. Measured with `pnpm bench`, this path halves the heap each open stream costs.
 */
export function createStreamFastPath(deps: StreamFastPathDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { auth, admission, logger } = deps;
  const security = capturedHeaders(deps.securityHeaders);
  const streamHeaders = { ...security, ...SSE_HEADERS };
  const path = API_PATHS.stream;

  return (req, res) => {
    const url = req.url ?? '';
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !url.startsWith(path) || (url.length > path.length && url[path.length] !== '?')) {
      return false;
    }
    const started = performance.now();
    res.once('close', () => {
      const ms = Math.round(performance.now() - started);
      logger.info({ method: req.method, url, status: res.statusCode, ms }, `${req.method} ${url} ${res.statusCode} ${ms} ms`);
    });
    const verdict = admission(req);
    if (verdict instanceof Promise) {
      // In a cluster a check may have to ask Redis (a sign-in made on another instance).
      verdict.then(
        (known) => answer(req, res, known),
        (error: unknown) => {
          logger.error({ err: error, url }, 'stream admission failed');
          res.destroy();
        },
      );
    } else {
      answer(req, res, verdict);
    }
    return true;
  };

  /** Writes the refusal, the headers of a HEAD, or opens the stream. */
  function answer(req: IncomingMessage, res: ServerResponse, verdict: AdmissionVerdict): void {
    if (!verdict.ok) {
      countRefusal(deps.metrics, verdict);
      const body: ErrorBody = { error: { code: verdict.code, message: verdict.message } };
      const text = JSON.stringify(body);
      res.writeHead(verdict.status, {
        ...security,
        ...verdict.headers,
        'Cache-Control': 'no-store',
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': String(Buffer.byteLength(text)),
      });
      res.end(text);
      return;
    }
    const headers = Object.keys(verdict.headers).length === 0 ? streamHeaders : { ...security, ...verdict.headers, ...SSE_HEADERS };
    if (req.method === 'HEAD') {
      res.writeHead(200, headers).end();
      return;
    }
    if (verdict.signInId !== null) auth.sessions.track(verdict.signInId, res);
    openSessionStream(deps, req, res, headers);
  }
}

/** The headers a middleware sets on a response, found by running it once on a stand-in. */
function capturedHeaders(middleware: RequestHandler): Record<string, string> {
  const headers: Record<string, string> = {};
  const standIn = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
      return standIn;
    },
    removeHeader(name: string) {
      delete headers[name];
    },
    getHeader: (name: string) => headers[name],
  };
  let called = false;
  middleware({ headers: {}, method: 'GET', url: '/' } as never, standIn as never, () => {
    called = true;
  });
  if (!called) throw new Error('the security headers middleware did not run synchronously');
  return headers;
}
