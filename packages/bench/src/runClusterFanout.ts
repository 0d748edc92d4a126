import { API_PATHS } from '@sessionboard/protocol';
import type { BenchTarget } from './BenchTarget.ts';
import { epochNow } from './epochNow.ts';
import { fireSteadily } from './fireSteadily.ts';
import { freePort } from './freePort.ts';
import type { LoadGenerator } from './LoadGenerator.ts';
import { lostDeliveries } from './lostDeliveries.ts';
import { readCpuMs } from './procStats.ts';
import { busyPercent, readMachineCpu } from './readMachineCpu.ts';
import { startRedis, type RunningRedis } from './startRedis.ts';
import { startServer, type RunningServer } from './startServer.ts';
import { summarizeLatencies, type LatencySummary } from './stats.ts';
import { Trigger } from './Trigger.ts';

/**
 * How the streams are served: `cluster`, two instances on one Redis with `streams` each;
 * `single`, one server with as many streams as each instance has (the same work per
 * process); `single-total`, one server with all of the cluster's streams (the same work).
 */
export type FanoutLayout = 'single' | 'single-total' | 'cluster';

/** The shape of one fan-out run. */
export interface ClusterFanoutOptions {
  /** Streams on each instance of the cluster. */
  streams: number;
  /** Events a second in the measured phase. @default 10 */
  rateEventsPerS?: number;
  /** Length of the measured phase in ms (after a 1-s warm-up at the same rate). @default 3000 */
  phaseMs?: number;
  /** How long the phase may wait for its deliveries beyond its own length, in ms. @default 15000 */
  graceMs?: number;
}

/** The figures of one run of one layout. */
export interface ClusterFanoutRun {
  layout: FanoutLayout;
  repeat: number;
  /** Server processes. */
  instances: number;
  /** Streams open in all. */
  streams: number;
  /** From the request to open them until the last one has its snapshot, in ms. */
  openMs: number;
  /** Publish (the event's `at`, on the instance that made the change) → receipt, every delivery on every stream. */
  latency: LatencySummary;
  expected: number;
  deliveries: number;
  /** (event, stream) pairs that never arrived. */
  lost: number;
  /** CPU of the servers and Redis over the phase, per 1000 deliveries, in ms. */
  cpuMsPer1k: number;
  /** The whole machine's CPU that was busy during the phase, in % of all its cores (this bench's processes and anything else). */
  machineBusyPercent: number;
  error?: string;
}

/**
 * One run of `layout`: start the servers fresh (and Redis for the cluster), open the streams,
 * publish at a steady rate (`POST /api/sessions`, `true`: `session_created` then
 * `session_updated`; in the cluster alternately on each instance), and time every delivery
 * on every stream, each event against its `at`.
 */
export async function runClusterFanout(
  layout: FanoutLayout,
  target: BenchTarget,
  load: LoadGenerator,
  options: ClusterFanoutOptions,
  repeat = 1,
): Promise<ClusterFanoutRun> {
  const rate = options.rateEventsPerS ?? 10;
  const phaseMs = options.phaseMs ?? 3000;
  const graceMs = options.graceMs ?? 15_000;
  const instances = layout === 'cluster' ? 2 : 1;
  const perInstance = layout === 'single-total' ? 2 * options.streams : options.streams;
  const streams = instances * perInstance;
  const result: ClusterFanoutRun = {
    layout,
    repeat,
    instances,
    streams,
    openMs: Number.NaN,
    latency: summarizeLatencies(new Float64Array()),
    expected: 0,
    deliveries: 0,
    lost: 0,
    cpuMsPer1k: Number.NaN,
    machineBusyPercent: Number.NaN,
  };
  let redis: RunningRedis | undefined;
  const servers: RunningServer[] = [];
  try {
    if (layout === 'cluster') redis = await startRedis();
    for (let index = 0; index < instances; index++) {
      const env = redis === undefined ? target.env : { ...target.env, REDIS_URL: redis.url, INSTANCE_NAME: `bench-${index + 1}` };
      servers.push(await startServer({ ...target, env: { ...env, SSE_MAX_CONNECTIONS: String(perInstance + 100) } }, await freePort()));
    }
    const triggers = servers.map((server) => new Trigger(server.baseUrl));
    for (let i = 0; i < 10; i++) await (triggers[i % triggers.length] as Trigger).fire();

    const openedAt = epochNow();
    for (const server of servers) {
      const opened = await load.open(`${server.baseUrl}${API_PATHS.stream}`, perInstance);
      if (opened.failed > 0) throw new Error(`${opened.failed} of ${perInstance} streams failed to open: ${opened.errors.join('; ')}`);
    }
    result.openMs = epochNow() - openedAt;

    const perTrigger = target.eventsPerTrigger;
    const intervalMs = (1000 * perTrigger) / rate;
    const publish = async (count: number) => {
      const start = epochNow();
      await fireSteadily(count, intervalMs, start, (i) => (triggers[i % triggers.length] as Trigger).fire());
      return start;
    };
    // Warm-up at the same rate (JIT, buffers, Redis connections): not counted.
    await load.startPhase();
    const warmTriggers = Math.max(1, Math.round(rate / perTrigger));
    await publish(warmTriggers);
    await load.waitForDeliveries(warmTriggers * perTrigger * streams, epochNow() + graceMs);

    await load.startPhase();
    const cpu = () => servers.reduce((sum, server) => sum + readCpuMs(server.pid), redis === undefined ? 0 : readCpuMs(redis.pid));
    const cpuBefore = cpu();
    const machineBefore = readMachineCpu();
    const count = Math.max(1, Math.round((rate * phaseMs) / 1000 / perTrigger));
    const start = await publish(count);
    result.expected = count * perTrigger * streams;
    await load.waitForDeliveries(result.expected, start + count * intervalMs + graceMs);
    const cpuMs = cpu() - cpuBefore;
    result.machineBusyPercent = busyPercent(machineBefore, readMachineCpu());
    const phase = await load.collect();
    result.latency = summarizeLatencies(phase.latencies);
    result.deliveries = phase.deliveries;
    result.lost = lostDeliveries(phase.counts, count * perTrigger, streams);
    result.cpuMsPer1k = cpuMs / (phase.deliveries / 1000);
  } catch (error) {
    result.error = (error as Error).message;
  } finally {
    await load.closeStreams().catch(() => {});
    await Promise.all(servers.map((server) => server.stop()));
    await redis?.stop();
  }
  return result;
}
