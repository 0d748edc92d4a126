import type { BenchTarget } from './BenchTarget.ts';
import type { LoadGenerator } from './LoadGenerator.ts';
import { Trigger } from './Trigger.ts';
import { epochNow } from './epochNow.ts';
import { fireSteadily } from './fireSteadily.ts';
import { freePort } from './freePort.ts';
import { lostDeliveries } from './lostDeliveries.ts';
import { readCpuMs } from './procStats.ts';
import { startServer } from './startServer.ts';
import { summarizeLatencies, type LatencySummary } from './stats.ts';

/** The shape of one run. */
export interface ScenarioOptions {
  /** Streams to open. */
  streams: number;
  /** Events per second in the steady phase. @default 10 */
  rateEventsPerS?: number;
  /** Length of the steady phase in ms. @default 2000 */
  rateDurationMs?: number;
  /** Events published as fast as the server takes them in the burst phase. @default 30 */
  burstEvents?: number;
  /** Sessions created before anything is measured, so every snapshot lists some. @default 10 */
  prefillSessions?: number;
  /** Pause before each memory reading, in ms. @default 1000 */
  settleMs?: number;
  /** How long a phase may wait for its deliveries beyond its own length, in ms. @default 15000 */
  graceMs?: number;
}

/** The figures of one run of one target at one stream count. */
export interface RunResult {
  target: string;
  streams: number;
  repeat: number;
  rssIdleMb: number;
  rssOpenMb: number;
  /** (RSS with the streams open − RSS idle) / streams, in KB. */
  kbPerStream: number;
  /** The same for the live JS heap (after a full GC): what the server's own objects cost. */
  heapKbPerStream: number;
  openMs: number;
  openFailed: number;
  /** Publish → receipt over every delivery of the steady phase. */
  latency: LatencySummary;
  burstLatency: LatencySummary;
  rateDeliveriesPerS: number;
  burstDeliveriesPerS: number;
  expectedDeliveries: number;
  deliveries: number;
  /** Deliveries that never arrived, matched by event id. */
  lost: number;
  /** Streams that ended while the run still expected them open. */
  dropped: number;
  /** Server CPU (all threads) over both phases per 1000 deliveries, in ms. */
  cpuMsPer1k: number;
  /** Set when the run could not finish; the other figures are then partial. */
  error?: string;
}

/** `promise`, or a rejection with `message` after `ms`. */
async function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One run: start the target fresh, read its idle RSS, open the streams, read RSS again, then
 * publish at a steady rate and in a burst, recording every delivery; finally stop it.
 */
export async function runScenario(
  target: BenchTarget,
  load: LoadGenerator,
  options: ScenarioOptions,
  repeat = 1,
): Promise<RunResult> {
  const streams = options.streams;
  const rate = options.rateEventsPerS ?? 10;
  const rateDurationMs = options.rateDurationMs ?? 2000;
  const burstEvents = options.burstEvents ?? 30;
  const settleMs = options.settleMs ?? 1000;
  const graceMs = options.graceMs ?? 15_000;
  const perTrigger = target.eventsPerTrigger;

  const result: RunResult = {
    target: target.key,
    streams,
    repeat,
    rssIdleMb: Number.NaN,
    rssOpenMb: Number.NaN,
    kbPerStream: Number.NaN,
    heapKbPerStream: Number.NaN,
    openMs: Number.NaN,
    openFailed: 0,
    latency: summarizeLatencies(new Float64Array()),
    burstLatency: summarizeLatencies(new Float64Array()),
    rateDeliveriesPerS: Number.NaN,
    burstDeliveriesPerS: Number.NaN,
    expectedDeliveries: 0,
    deliveries: 0,
    lost: 0,
    dropped: 0,
    cpuMsPer1k: Number.NaN,
  };
  let server;
  try {
    server = await startServer(target, await freePort());
  } catch (error) {
    return { ...result, error: (error as Error).message };
  }
  const trigger = new Trigger(server.baseUrl);
  try {
    for (let i = 0; i < (options.prefillSessions ?? 10); i++) await trigger.fire();
    const idle = await server.readMemory(settleMs);

    const openLimitMs = 30_000 + streams * 5;
    const opened = await withDeadline(
      load.open(`${server.baseUrl}/api/sse/sessions`, streams),
      openLimitMs,
      `${streams} streams did not open within ${openLimitMs} ms`,
    );
    result.openMs = opened.openMs;
    result.openFailed = opened.failed;
    if (opened.failed > 0) throw new Error(`${opened.failed} of ${streams} streams failed to open: ${opened.errors.join('; ')}`);
    const open = await server.readMemory(settleMs);
    result.rssIdleMb = idle.rssBytes / 2 ** 20;
    result.rssOpenMb = open.rssBytes / 2 ** 20;
    result.kbPerStream = (open.rssBytes - idle.rssBytes) / 1024 / streams;
    result.heapKbPerStream = (open.heapUsedBytes - idle.heapUsedBytes) / 1024 / streams;

    const cpuBefore = readCpuMs(server.pid);

    // Steady phase: `rate` events per second, whatever the number of events per trigger.
    const rateTriggers = Math.max(1, Math.round((rate * rateDurationMs) / 1000 / perTrigger));
    const intervalMs = (1000 * perTrigger) / rate;
    await load.startPhase();
    const rateStart = epochNow();
    await fireSteadily(rateTriggers, intervalMs, rateStart, () => trigger.fire());
    const rateExpected = rateTriggers * perTrigger * streams;
    await load.waitForDeliveries(rateExpected, rateStart + rateTriggers * intervalMs + graceMs);
    const steady = await load.collect();
    result.latency = summarizeLatencies(steady.latencies);
    result.rateDeliveriesPerS =
      steady.deliveries / (Math.max(rateTriggers * intervalMs, steady.lastAt - rateStart) / 1000);

    // Burst phase: every trigger at once; the server takes them as fast as it can.
    const burstTriggers = Math.max(1, Math.round(burstEvents / perTrigger));
    await load.startPhase();
    const burstStart = epochNow();
    await Promise.all(Array.from({ length: burstTriggers }, () => trigger.fire()));
    const burstExpected = burstTriggers * perTrigger * streams;
    await load.waitForDeliveries(burstExpected, epochNow() + graceMs);
    const burst = await load.collect();
    result.burstLatency = summarizeLatencies(burst.latencies);
    result.burstDeliveriesPerS = burst.deliveries / ((burst.lastAt - burstStart) / 1000);

    const cpuMs = readCpuMs(server.pid) - cpuBefore;
    result.expectedDeliveries = rateExpected + burstExpected;
    result.deliveries = steady.deliveries + burst.deliveries;
    result.lost =
      lostDeliveries(steady.counts, rateTriggers * perTrigger, streams) + lostDeliveries(burst.counts, burstTriggers * perTrigger, streams);
    result.dropped = burst.dropped;
    result.cpuMsPer1k = cpuMs / (result.deliveries / 1000);
  } catch (error) {
    result.error = (error as Error).message;
  } finally {
    await load.closeStreams();
    await server.stop();
  }
  return result;
}
