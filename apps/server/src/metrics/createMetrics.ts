import type { SseBroker } from '@sessionboard/sse-broker';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { SessionManager } from '../sessions/SessionManager.ts';

/** The app's metrics: its own registry, and the counters that routes increment. */
export interface ServerMetrics {
  registry: Registry;
  rejected: Counter<'reason'>;
  resumes: Counter<'outcome'>;
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

  new Gauge({
    name: 'sse_active_connections',
    help: 'Open live-session streams.',
    registers,
    collect() {
      this.set(broker.stats().connections);
    },
  });
  new Counter({
    name: 'sse_events_sent_total',
    help: 'Frames written to streams: events, snapshots, replays and pings.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.stats().framesSent);
    },
  });
  new Counter({
    name: 'sse_events_published_total',
    help: 'Session changes published to the stream.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.stats().eventsPublished);
    },
  });
  new Counter({
    name: 'sse_slow_closed_total',
    help: 'Streams closed because their client stopped reading.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.stats().slowClosed);
    },
  });
  new Gauge({
    name: 'sessions_live',
    help: 'Sessions running or stopping.',
    registers,
    collect() {
      this.set(manager.liveCount);
    },
  });
  const rejected = new Counter({
    name: 'sse_connections_rejected_total',
    help: 'Streams refused before they started, by reason (full, disabled).',
    labelNames: ['reason'] as const,
    registers,
  });
  const resumes = new Counter({
    name: 'sse_resumes_total',
    help: 'Streams that asked to resume, by outcome (replayed, unknown_id: got a snapshot).',
    labelNames: ['outcome'] as const,
    registers,
  });
  if (cluster !== undefined) {
    new Gauge({
      name: 'cluster_instances',
      help: 'Instances of the cluster this one sees alive (not silent for INSTANCE_TTL_MS), itself included.',
      registers,
      collect() {
        this.set(cluster.aliveInstances());
      },
    });
    new Gauge({
      name: 'redis_up',
      help: '1 while Redis is reachable and answering, else 0.',
      registers,
      collect() {
        this.set(cluster.isUp() ? 1 : 0);
      },
    });
  }
  for (const reason of ['full', 'disabled']) rejected.inc({ reason }, 0);
  for (const outcome of ['replayed', 'unknown_id']) resumes.inc({ outcome }, 0);
  return { registry, rejected, resumes };
}
