import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SseBroker } from '@sessionboard/sse-broker';
import { SSE_HEADERS, openNodeStream } from '@sessionboard/sse-broker';
import { Router } from 'express';
import { HttpError } from '../http/HttpError.ts';
import type { SessionBroadcaster } from '../sessions/SessionBroadcaster.ts';
import type { SessionStore } from '../sessions/SessionStore.ts';
import type { ServerMetrics } from '../metrics/createMetrics.ts';

export interface StreamRouterDeps {
  enabled: boolean;
  broker: SseBroker;
  broadcaster: SessionBroadcaster;
  /** Where snapshots come from: this server's sessions, or the cluster's. */
  store: Pick<SessionStore, 'snapshot'>;
  metrics: ServerMetrics;
}

/** Seconds a refused stream is told to wait before trying again. */
const RETRY_AFTER_FULL_S = 5;
const RETRY_AFTER_DISABLED_S = 60;

/** `GET /sse/sessions`: the live sessions stream of PROTOCOL.md. */
export function streamRouter(deps: StreamRouterDeps): Router {
  const { enabled, broker, metrics } = deps;
  const router = Router();

  router.get('/sessions', (req, res) => {
    if (!enabled) {
      metrics.rejected.inc({ reason: 'disabled' });
      res.setHeader('Retry-After', String(RETRY_AFTER_DISABLED_S));
      throw new HttpError(503, 'sse_disabled', 'The live stream is turned off on this server; poll GET /api/sessions instead.');
    }
    if (broker.isFull()) {
      metrics.rejected.inc({ reason: 'full' });
      res.setHeader('Retry-After', String(RETRY_AFTER_FULL_S));
      throw new HttpError(503, 'too_many_connections', 'The server has as many open streams as it allows; try again shortly.');
    }
    openSessionStream(deps, req, res);
    // Express keeps the router's continuation on the request; a stream lives for hours and
    // never calls it, so letting it go saves each open stream the closures of every router.
    req.next = undefined;
  });

  return router;
}

/**
 * Starts the stream on a request already found acceptable (enabled, not full, authorised):
 * resumes from `Last-Event-ID` (which wins: a browser's EventSource sets it when it
 * reconnects by itself) or `?lastEventId=`, else sends a snapshot.
 */
export function openSessionStream(
  { broker, broadcaster, store, metrics }: StreamRouterDeps,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Readonly<Record<string, string>> = SSE_HEADERS,
): void {
  const header = req.headers['last-event-id'];
  const lastEventId = (typeof header === 'string' && header !== '' ? header : undefined) ?? queryLastEventId(req.url ?? '');
  const outcome = broker.connect(openNodeStream(req, res, headers), {
    lastEventId,
    snapshot: () => broadcaster.snapshot(store.snapshot()),
  });
  if (outcome !== 'snapshot') metrics.resumes.inc({ outcome });
}

/** `?lastEventId=` when given exactly once and not empty. */
function queryLastEventId(url: string): string | undefined {
  const query = url.indexOf('?');
  if (query < 0) return undefined;
  const values = new URLSearchParams(url.slice(query + 1)).getAll('lastEventId');
  return values.length === 1 && values[0] !== '' ? values[0] : undefined;
}
