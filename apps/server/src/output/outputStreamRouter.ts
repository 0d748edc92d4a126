import type { IncomingMessage } from 'node:http';
import type { Session } from '@sessionboard/protocol';
import { SSE_HEADERS, openNodeStream } from '@sessionboard/sse-broker';
import { Router } from 'express';
import { HttpError } from '../http/HttpError.ts';
import type { ServerMetrics } from '../metrics/createMetrics.ts';
import type { StreamAdmission } from '../stream/streamAdmission.ts';
import { countRefusal } from '../stream/streamRouter.ts';
import type { OutputSource } from './OutputSource.ts';
import type { OutputStreams } from './OutputStreams.ts';
import { parseOffset } from './parseOffset.ts';

/** What {@link outputStreamRouter} needs. */
export interface OutputStreamRouterDeps {
  /** The sessions stream's admission (auth, `SSE_ENABLED`, the rollout, `SSE_MAX_CONNECTIONS` over every kind of stream). */
  admission: StreamAdmission;
  streams: OutputStreams;
  session: (id: string) => Session | undefined;
  source: (id: string) => OutputSource | undefined | Promise<OutputSource | undefined>;
  metrics: Pick<ServerMetrics, 'rejected'>;
}

/**
 * `GET /sse/sessions/:id/output`: a session's output as a stream (PROTOCOL.md, Output).
 * Mounted under `/api/sse`, so auth, the host guard and CORS apply and the rate limit does not.
 * A `Last-Event-ID` (or `?lastEventId=`) that is not an offset counts as none: the stream starts
 * with all that is kept.
 * `HEAD` answers the stream's headers and ends.
 * @throws {HttpError} before the stream starts: the admission's refusal (401, 403, 429,
 *   503 `sse_disabled` or `too_many_connections`), else 404 `not_found` for an unknown session.
 */
export function outputStreamRouter(deps: OutputStreamRouterDeps): Router {
  const { admission, streams, session, source, metrics } = deps;
  const router = Router();

  router.get('/sessions/:id/output', async (req, res) => {
    const verdict = await admission(req);
    for (const [name, value] of Object.entries(verdict.headers)) res.setHeader(name, value);
    if (!verdict.ok) {
      countRefusal(metrics, verdict);
      throw new HttpError(verdict.status, verdict.code, verdict.message);
    }
    const { id } = req.params;
    const output = await source(id);
    if (output === undefined || session(id) === undefined) throw new HttpError(404, 'not_found', `No session has the id ${JSON.stringify(id)}.`);
    if (req.method === 'HEAD') {
      res.writeHead(200, SSE_HEADERS).end();
      return;
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
