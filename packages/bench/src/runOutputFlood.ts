import { API_PATHS, DEFAULTS, sessionOutputPath, sessionOutputStreamPath } from '@sessionboard/protocol';
import type { SessionOutputResponse } from '@sessionboard/protocol';
import type { BenchTarget } from './BenchTarget.ts';
import { epochNow } from './epochNow.ts';
import { apiRequest } from './apiRequest.ts';
import { fireSteadily } from './fireSteadily.ts';
import { freePort } from './freePort.ts';
import type { LoadGenerator } from './LoadGenerator.ts';
import { lostDeliveries } from './lostDeliveries.ts';
import { OutputFollowers } from './OutputFollowers.ts';
import { readCpuMs, readRssBytes } from './procStats.ts';
import { busyPercent, readMachineCpu } from './readMachineCpu.ts';
import { startServer, type RunningServer } from './startServer.ts';
import { median, summarizeLatencies, type LatencySummary } from './stats.ts';
import { Trigger } from './Trigger.ts';

/** The shape of the flood run. */
export interface OutputFloodOptions {
  /** Sessions streams the fan-out is timed on. @default 200 */
  sessionStreams?: number;
  /** Output streams following the `yes` session. @default 100 */
  outputStreams?: number;
  /** Length of each phase in ms. @default 6000 */
  phaseMs?: number;
  /** Quiet and flood phases in turn, this many of each, and a last quiet one. @default 5 */
  pairs?: number;
  /** Session events a second in every phase. @default 10 */
  rateEventsPerS?: number;
}

/** What the output streams got during the flood. */
export interface FloodOutputFigures {
  /** Bytes `yes` printed during the phase, as the server counts them, in MiB/s. */
  producedMibPerS: number;
  /** Output events a stream got, per second, on average and at most. */
  eventsPerStreamPerS: number;
  /** Bytes of output delivered over all streams, in MiB/s. */
  deliveredMibPerS: number;
  truncated: number;
  streamsOpen: number;
  /** CPU of the process following the output streams, and of `yes`, in % of one core. */
  clientCpuPercent: number;
  yesCpuPercent: number;
}

/** One phase: session events published at a steady rate, timed on every sessions stream. */
export interface FloodPhase {
  name: string;
  latency: LatencySummary;
  expected: number;
  deliveries: number;
  lost: number;
  /** Server CPU (all threads) over the phase, in % of one core. */
  cpuPercent: number;
  /** Highest RSS sampled during the phase, in MiB. */
  rssMaxMb: number;
  /** The whole machine's CPU that was busy, in % of all its cores. */
  machineBusyPercent: number;
  output?: FloodOutputFigures;
}

export interface OutputFloodResult {
  sessionStreams: number;
  outputStreams: number;
  phaseMs: number;
  phases: FloodPhase[];
  /** The median p99 of the flood phases over that of the quiet phases around them. */
  p99Ratio: number;
  /** The live JS heap (after a full GC) at the end of the flood, with the output streams open. */
  floodHeapMb: number;
  error?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The flood scenario of issue 13, side by side in one run of one server: session events at a
 * steady rate timed on `sessionStreams` streams, in quiet phases and flood phases by turns
 * (`pairs` of each, and a last quiet one, so that a change in the machine's other load weighs
 * on both alike). In a flood phase one `yes` session is followed on `outputStreams` output
 * streams; it is killed and its streams closed before the next quiet one. Reports the fan-out
 * latency, the server's CPU and RSS, and what the output streams got.
 */
export async function runOutputFlood(target: BenchTarget, load: LoadGenerator, options: OutputFloodOptions = {}): Promise<OutputFloodResult> {
  const sessionStreams = options.sessionStreams ?? 200;
  const outputStreams = options.outputStreams ?? 100;
  const phaseMs = options.phaseMs ?? 6000;
  const pairs = options.pairs ?? 5;
  const rate = options.rateEventsPerS ?? 10;
  const result: OutputFloodResult = { sessionStreams, outputStreams, phaseMs, phases: [], p99Ratio: Number.NaN, floodHeapMb: Number.NaN };
  let server: RunningServer | undefined;
  const followers = OutputFollowers.start();
  try {
    server = await startServer(target, await freePort());
    const trigger = new Trigger(server.baseUrl);
    for (let i = 0; i < 10; i++) await trigger.fire();
    const opened = await load.open(`${server.baseUrl}${API_PATHS.stream}`, sessionStreams);
    if (opened.failed > 0) throw new Error(`${opened.failed} sessions streams failed to open: ${opened.errors.join('; ')}`);

    const phase = (name: string, during?: PhaseOptions['during'], ms = phaseMs) =>
      runPhase(server as RunningServer, load, trigger, { name, phaseMs: ms, rate, perTrigger: target.eventsPerTrigger, streams: sessionStreams, during });

    // Warms the server and the clients up (JIT, buffers); not reported.
    await phase('warm-up', undefined, Math.min(phaseMs, 3000));
    const base = server.baseUrl;
    for (let pair = 1; pair <= pairs; pair++) {
      result.phases.push(await phase(`quiet ${pair}`));
      const yes = await post(base, { command: ['yes'] });
      const followed = await followers.open(`${base}${sessionOutputStreamPath(yes.id)}`, outputStreams);
      if (followed.failed > 0) throw new Error(`${followed.failed} output streams failed to open`);
      await sleep(1000);
      result.phases.push(await phase(`flood ${pair}`, () => measureOutput(base, yes, followers, outputStreams)));
      if (pair === pairs) result.floodHeapMb = (await server.readMemory(0)).heapUsedBytes / 2 ** 20;
      await apiRequest(base, 'DELETE', `${API_PATHS.sessions}/${encodeURIComponent(yes.id)}?signal=SIGKILL`);
      await followers.close();
      await sleep(1000);
    }
    result.phases.push(await phase(`quiet ${pairs + 1}`));

    const p99s = (kind: string) => result.phases.filter((entry) => entry.name.startsWith(kind)).map((entry) => entry.latency.p99);
    result.p99Ratio = median(p99s('flood')) / median(p99s('quiet'));
  } catch (error) {
    result.error = (error as Error).message;
  } finally {
    followers.stop();
    await load.closeStreams();
    await server?.stop();
  }
  return result;
}

/** Starts measuring what `followers` get of `yes`; the function it resolves to ends it. */
async function measureOutput(
  baseUrl: string,
  yes: { id: string; pid: number | null },
  followers: OutputFollowers,
  streams: number,
): Promise<() => Promise<FloodOutputFigures>> {
  const cpu = () => ({ client: readCpuMs(followers.pid), yes: readCpuMs(yes.pid ?? -1) });
  const before = { report: await followers.report(), produced: await produced(baseUrl, yes.id), at: epochNow(), cpu: cpu() };
  return async () => {
    const report = await followers.report();
    const seconds = (epochNow() - before.at) / 1000;
    const after = cpu();
    return {
      producedMibPerS: ((await produced(baseUrl, yes.id)) - before.produced) / 2 ** 20 / seconds,
      eventsPerStreamPerS: (report.events - before.report.events) / streams / seconds,
      deliveredMibPerS: (report.bytes - before.report.bytes) / 2 ** 20 / seconds,
      truncated: report.truncated - before.report.truncated,
      streamsOpen: report.open,
      clientCpuPercent: (after.client - before.cpu.client) / seconds / 10,
      yesCpuPercent: (after.yes - before.cpu.yes) / seconds / 10,
    };
  };
}

interface PhaseOptions {
  name: string;
  phaseMs: number;
  rate: number;
  perTrigger: number;
  streams: number;
  /** Started with the phase; what it resolves to is called at its end for the output figures. */
  during?: () => Promise<() => Promise<FloodOutputFigures>>;
}

async function runPhase(server: RunningServer, load: LoadGenerator, trigger: Trigger, options: PhaseOptions): Promise<FloodPhase> {
  const { phaseMs, rate, perTrigger, streams } = options;
  await load.startPhase();
  const finishOutput = await options.during?.();
  const cpuBefore = readCpuMs(server.pid);
  const machineBefore = readMachineCpu();
  const start = epochNow();
  let rssMax = readRssBytes(server.pid);
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, readRssBytes(server.pid));
  }, 250);
  const triggers = Math.max(1, Math.round((rate * phaseMs) / 1000 / perTrigger));
  const intervalMs = (1000 * perTrigger) / rate;
  try {
    await fireSteadily(triggers, intervalMs, start, () => trigger.fire());
  } finally {
    clearInterval(sampler);
  }
  const cpuPercent = ((readCpuMs(server.pid) - cpuBefore) / (epochNow() - start)) * 100;
  const machineBusy = busyPercent(machineBefore, readMachineCpu());
  const output = await finishOutput?.();
  const expected = triggers * perTrigger * streams;
  await load.waitForDeliveries(expected, epochNow() + 15_000);
  const collected = await load.collect();
  return {
    name: options.name,
    latency: summarizeLatencies(collected.latencies),
    expected,
    deliveries: collected.deliveries,
    lost: lostDeliveries(collected.counts, triggers * perTrigger, streams),
    cpuPercent,
    rssMaxMb: rssMax / 2 ** 20,
    machineBusyPercent: machineBusy,
    ...(output === undefined ? {} : { output }),
  };
}

/** Bytes a session that has filled its window has printed: the oldest byte kept plus the window. */
async function produced(baseUrl: string, id: string): Promise<number> {
  const answer = (await apiRequest(baseUrl, 'GET', sessionOutputPath(id))) as SessionOutputResponse;
  return answer.from + DEFAULTS.sessionsOutputBytes;
}

async function post(baseUrl: string, body: unknown): Promise<{ id: string; pid: number | null }> {
  return (await apiRequest(baseUrl, 'POST', API_PATHS.sessions, body)) as { id: string; pid: number | null };
}
