import { Counter, Gauge, type Registry } from 'prom-client';

/** The rollout's metrics: how many dashboards stream and how many poll, by rollout group. */
export interface RolloutMetrics {
  /** `sse_rollout_streams_total{rollout}`: stream requests, by the group their bucket is in. */
  streams: Counter<'rollout'>;
  /** `sse_rollout_polls_total{rollout}`: `GET /api/sessions` requests, by the group their bucket is in. */
  polls: Counter<'rollout'>;
}

/**
 * Registers `sse_rollout_percent` (gauge, `SSE_ROLLOUT_PERCENT`), `sse_rollout_streams_total`
 * and `sse_rollout_polls_total` (counters labelled `rollout="in"|"out"`) on `registry`.
 * Polls per minute: `60 * rate(sse_rollout_polls_total[5m])`.
 */
export function createRolloutMetrics(registry: Registry, percent: number): RolloutMetrics {
  const registers = [registry];
  new Gauge({
    name: 'sse_rollout_percent',
    help: 'SSE_ROLLOUT_PERCENT: the share of browsers whose streams are accepted.',
    registers,
  }).set(percent);
  const streams = new Counter({
    name: 'sse_rollout_streams_total',
    help: 'Stream requests by rollout group (in: bucket < SSE_ROLLOUT_PERCENT; out: refused with sse_disabled).',
    labelNames: ['rollout'] as const,
    registers,
  });
  const polls = new Counter({
    name: 'sse_rollout_polls_total',
    help: 'Polls of GET /api/sessions by the rollout group of the browser that polls.',
    labelNames: ['rollout'] as const,
    registers,
  });
  for (const rollout of ['in', 'out']) {
    streams.inc({ rollout }, 0);
    polls.inc({ rollout }, 0);
  }
  return { streams, polls };
}
