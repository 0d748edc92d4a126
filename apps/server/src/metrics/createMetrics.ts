import { getHeapStatistics } from 'node:v8';
import type { SseBroker } from '@sessionboard/sse-broker';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SessionManager } from '../sessions/SessionManager.ts';
import { counterReadOnScrape, gaugeReadOnScrape } from './readOnScrape.ts';

/** The app's metrics: its own registry, and the counters that routes increment. */
export interface ServerMetrics {
  registry: Registry;
  rejected: Counter<'reason'>;
  resumes: Counter<'outcome'>;
  /** `sse_reconnection_attempts_total{outcome}`: streams that came back with an id, by outcome. */
  reconnections: Counter<'outcome'>;
  /** `sse_connection_errors_total{reason}`: streams refused or cut by the server. */
  connectionErrors: Counter<'reason'>;
  /** `sse_fanout_duration_seconds`: time to write one event to every open stream. */
  fanOut: Histogram;
}

/** What a cluster member reports (see `cluster/createCluster.ts`). */
export interface ClusterFigures {
  aliveInstances(): number;
  isUp(): boolean;
}

/**
 * A registry per app instance (never the global one), so apps in one process do not share
 * or clash over metrics. Broker and manager figures are read when scraped. In a cluster,
 * `cluster_instances` and `redis_up` too; every other figure is this instance's own.
 */
export function createMetrics(broker: SseBroker, manager: SessionManager, cluster?: ClusterFigures): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  gaugeReadOnScrape(registry, 'sse_active_connections', 'Open live-session streams.', () => broker.stats().connections);
  counterReadOnScrape(registry, 'sse_events_sent_total', 'Frames written to streams: events, snapshots, replays and pings.', () => broker.stats().framesSent);
  counterReadOnScrape(registry, 'sse_events_published_total', 'Session changes published to the stream.', () => broker.stats().eventsPublished);
  counterReadOnScrape(registry, 'sse_slow_closed_total', 'Streams closed because their client stopped reading.', () => broker.stats().slowClosed);
  gaugeReadOnScrape(registry, 'nodejs_heap_size_limit_bytes', "V8's heap size limit (--max-old-space-size): the cap the heap in use must stay under.", () => getHeapStatistics().heap_size_limit);
  gaugeReadOnScrape(registry, 'sessions_live', 'Sessions running or stopping.', () => manager.liveCount);
  const rejected = new Counter({
    name: 'sse_connections_rejected_total',
    help: 'Streams refused before they started, by reason (full, disabled, rollout).',
    labelNames: ['reason'] as const,
    registers,
  });
  const resumes = new Counter({
    name: 'sse_resumes_total',
    help: 'Streams that asked to resume, by outcome (replayed, unknown_id: got a snapshot).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const reconnections = new Counter({
    name: 'sse_reconnection_attempts_total',
    help: 'Streams that reconnected with a last event id, by outcome (replayed: exact replay; snapshot: the id was unknown or too old).',
    labelNames: ['outcome'] as const,
    registers,
  });
  let slowClosedSeen = 0;
  const connectionErrors = new Counter({
    name: 'sse_connection_errors_total',
    help: 'Streams refused before they started or cut by the server, by reason (refused: 503; unauthorized: 401/403; bad_request: other 4xx; server_error: other 5xx; slow_consumer: closed for not reading).',
    labelNames: ['reason'] as const,
    registers,
    collect() {
      const slowClosed = broker.stats().slowClosed;
      this.inc({ reason: 'slow_consumer' }, slowClosed - slowClosedSeen);
      slowClosedSeen = slowClosed;
    },
  });
  const fanOut = new Histogram({
    name: 'sse_fanout_duration_seconds',
    help: 'Time to write one event to every open stream.',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });
  if (cluster !== undefined) {
    gaugeReadOnScrape(registry, 'cluster_instances', 'Instances of the cluster this one sees alive (not silent for INSTANCE_TTL_MS), itself included.', () => cluster.aliveInstances());
    gaugeReadOnScrape(registry, 'redis_up', '1 while Redis is reachable and answering, else 0.', () => cluster.isUp() ? 1 : 0);
  }
  for (const reason of ['full', 'disabled', 'rollout']) rejected.inc({ reason }, 0);
  for (const outcome of ['replayed', 'unknown_id']) resumes.inc({ outcome }, 0);
  for (const outcome of ['replayed', 'snapshot']) reconnections.inc({ outcome }, 0);
  for (const reason of ['refused', 'unauthorized', 'bad_request', 'server_error', 'slow_consumer']) connectionErrors.inc({ reason }, 0);
  return { registry, rejected, resumes, reconnections, connectionErrors, fanOut };
}
