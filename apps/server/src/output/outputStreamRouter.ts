import type { IncomingMessage } from 'node:http';
import type { Session } from '@sessionboard/protocol';
import { openNodeStream } from '@sessionboard/sse-broker';
import { Router } from 'express';
import type { Counter } from 'prom-client';
import { HttpError } from '../http/HttpError.ts';
import type { OutputSource } from './OutputSource.ts';
import type { OutputStreams } from './OutputStreams.ts';
import { parseOffset } from './parseOffset.ts';

/** What {@link outputStreamRouter} needs. */
export interface OutputStreamRouterDeps {
  /** `SSE_ENABLED`. */
  enabled: boolean;
  /** True when no stream more may open (`SSE_MAX_CONNECTIONS` over every kind, or shutting down). */
  isFull: () => boolean;
  streams: OutputStreams;
  session: (id: string) => Session | undefined;
  source: (id: string) => OutputSource | undefined;
  /** `sse_connections_rejected_total`, by reason. */
  rejected: Counter<'reason'>;
}

/** Seconds a refused stream is told to wait before trying again (as for the sessions stream). */
const RETRY_AFTER_FULL_S = 5;
const RETRY_AFTER_DISABLED_S = 60;

/**
 * `GET /sse/sessions/:id/output`: a session's output as a stream (PROTOCOL.md, Output).
 * Mounted under `/api/sse`, so auth, the host guard and CORS apply and the rate limit does not.
 * A `Last-Event-ID` (or `?lastEventId=`) that is not an offset counts as none: the stream starts
 * with all that is kept.
 * @throws {HttpError} before the stream starts: 503 `sse_disabled`, 404 `not_found` for an
 *   unknown session, 503 `too_many_connections`, in that order.
 */
export function outputStreamRouter(deps: OutputStreamRouterDeps): Router {
  const { enabled, isFull, streams, session, source, rejected } = deps;
  const router = Router();

  router.get('/sessions/:id/output', (req, res) => {
    if (!enabled) {
      rejected.inc({ reason: 'disabled' });
      res.setHeader('Retry-After', String(RETRY_AFTER_DISABLED_S));
      throw new HttpError(503, 'sse_disabled', 'Live streams are turned off on this server; poll GET /api/sessions/:id/output instead.');
    }
    const { id } = req.params;
    const output = session(id) === undefined ? undefined : source(id);
    if (output === undefined) throw new HttpError(404, 'not_found', `No session has the id ${JSON.stringify(id)}.`);
    if (isFull()) {
      rejected.inc({ reason: 'full' });
      res.setHeader('Retry-After', String(RETRY_AFTER_FULL_S));
      throw new HttpError(503, 'too_many_connections', 'The server has as many open streams as it allows; try again shortly.');
    }
    streams.follow(openNodeStream(req, res), { source: output, after: lastOffset(req), session: () => session(id) });
    // As for the sessions stream: a stream lives long and never calls the router's continuation.
    req.next = undefined;
  });

  return router;
}

/** `Last-Event-ID` (which wins: a browser's EventSource sets it when it reconnects), else `?lastEventId=` once. */
function lastOffset(req: IncomingMessage): number | undefined {
  const header = req.headers['last-event-id'];
  if (typeof header === 'string' && header !== '') return parseOffset(header);
  const url = req.url ?? '';
  const query = url.indexOf('?');
  if (query < 0) return undefined;
  const values = new URLSearchParams(url.slice(query + 1)).getAll('lastEventId');
  return values.length === 1 && values[0] !== undefined ? parseOffset(values[0]) : undefined;
}
