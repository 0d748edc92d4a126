import type { SseBroker } from '@sessionboard/sse-broker';
import { openNodeStream } from '@sessionboard/sse-broker';
import { Router } from 'express';
import { HttpError } from './HttpError.ts';
import type { SessionBroadcaster } from './SessionBroadcaster.ts';
import type { SessionManager } from './SessionManager.ts';
import type { ServerMetrics } from './createMetrics.ts';

export interface StreamRouterDeps {
  enabled: boolean;
  broker: SseBroker;
  broadcaster: SessionBroadcaster;
  manager: SessionManager;
  metrics: ServerMetrics;
}

/** Seconds a refused stream is told to wait before trying again. */
const RETRY_AFTER_FULL_S = 5;
const RETRY_AFTER_DISABLED_S = 60;

/** `GET /sse/sessions`: the live sessions stream of PROTOCOL.md. */
export function streamRouter({ enabled, broker, broadcaster, manager, metrics }: StreamRouterDeps): Router {
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
    // The header wins: a browser's EventSource sets it when it reconnects by itself.
    const query = typeof req.query.lastEventId === 'string' ? req.query.lastEventId : undefined;
    const lastEventId = req.get('Last-Event-ID') || query || undefined;
    const stream = openNodeStream(req, res);
    const outcome = broker.connect(stream, {
      lastEventId,
      snapshot: () => broadcaster.snapshot(manager.list()),
    });
    if (outcome !== 'snapshot') metrics.resumes.inc({ outcome });
  });

  return router;
}
