import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SseBroker } from '@sessionboard/sse-broker';
import { SSE_HEADERS, openNodeStream } from '@sessionboard/sse-broker';
import { Router } from 'express';
import { HttpError } from '../http/HttpError.ts';
import type { SessionBroadcaster } from '../sessions/SessionBroadcaster.ts';
import type { SessionStore } from '../sessions/SessionStore.ts';
import type { ServerMetrics } from '../metrics/createMetrics.ts';
import type { StreamAdmission, StreamRefusal } from './streamAdmission.ts';

export interface StreamRouterDeps {
  broker: SseBroker;
  broadcaster: SessionBroadcaster;
  /** Where snapshots come from: this server's sessions, or the cluster's. */
  store: Pick<SessionStore, 'snapshot'>;
  metrics: ServerMetrics;
  /** Decides whether a stream may start; the fast path uses the same. */
  admission: StreamAdmission;
}

/**
 * `GET /sse/sessions`: the live sessions stream of PROTOCOL.md, admitted by `admission`.
 * `HEAD` answers the stream's headers and ends.
 */
export function streamRouter(deps: StreamRouterDeps): Router {
  const router = Router();

  router.get('/sessions', async (req, res) => {
    const verdict = await deps.admission(req);
    for (const [name, value] of Object.entries(verdict.headers)) res.setHeader(name, value);
    if (!verdict.ok) {
      countRefusal(deps.metrics, verdict);
      throw new HttpError(verdict.status, verdict.code, verdict.message);
    }
    if (req.method === 'HEAD') {
      res.writeHead(200, SSE_HEADERS).end();
      return;
    }
    openSessionStream(deps, req, res);
    // Express keeps the router's continuation on the request; a stream lives for hours and
    // never calls it, so letting it go saves each open stream the closures of every router.
    req.next = undefined;
  });

  return router;
}

/** Counts a refusal in `sse_connections_rejected_total` when it is one of the counted kinds. */
export function countRefusal(metrics: Pick<ServerMetrics, 'rejected'>, refusal: StreamRefusal): void {
  if (refusal.rejectedReason !== undefined) metrics.rejected.inc({ reason: refusal.rejectedReason });
}

/**
 * Starts the stream on a request already admitted: resumes from `Last-Event-ID` (which wins:
 * a browser's EventSource sets it when it reconnects by itself) or `?lastEventId=`, else
 * sends a snapshot.
 */
export function openSessionStream(
  { broker, broadcaster, store, metrics }: Omit<StreamRouterDeps, 'admission'>,
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
  if (outcome === 'replayed' || outcome === 'unknown_id') {
    metrics.resumes.inc({ outcome });
    metrics.reconnections.inc({ outcome: outcome === 'replayed' ? 'replayed' : 'snapshot' });
  }
}

/** `?lastEventId=` when given exactly once and not empty. */
function queryLastEventId(url: string): string | undefined {
  const query = url.indexOf('?');
  if (query < 0) return undefined;
  const values = new URLSearchParams(url.slice(query + 1)).getAll('lastEventId');
  return values.length === 1 && values[0] !== '' ? values[0] : undefined;
}
