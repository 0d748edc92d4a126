import { sessionboardTarget } from './benchTargets.ts';
import { LoadGenerator } from './LoadGenerator.ts';
import { measureLostTime, type LostTimeResult } from './measureLostTime.ts';
import { checkClusterTargets, formatClusterTable, renderClusterSection, type ClusterBenchResult } from './renderClusterReport.ts';
import { runClusterFanout, type ClusterFanoutRun, type FanoutLayout } from './runClusterFanout.ts';

/** Options of {@link runClusterBench}. */
export interface ClusterBenchOptions {
  /** Streams on each of the two instances. */
  streams: number;
  repeats: number;
  /** Load worker processes. */
  workers: number;
  /** A short smoke run: a 2-s phase, and kill -9 → lost with the short TTL only. */
  quick: boolean;
  /** Where the server writes a `--cpu-prof` profile per run. */
  cpuProfDir: string | undefined;
  /** The machine, the Node version and the date, for the report. */
  environment: string;
}

/** `INSTANCE_TTL_MS` for the kill -9 → lost measurement: the default and a short one. */
const TTLS_MS = [15_000, 2000];

/**
 * Issue 12's cluster row: the fan-out of two instances on one Redis against a single server,
 * `repeats` times in a rotated order ({@link runClusterFanout}), then the time from kill -9
 * of an instance to `lost` ({@link measureLostTime}); prints the figures and checks the
 * targets. Needs `redis-server` on PATH.
 * @returns the Markdown section for `docs/benchmarks.md`, and false for `ok` when a run failed or lost a delivery.
 */
export async function runClusterBench(options: ClusterBenchOptions): Promise<{ ok: boolean; section: string; result: ClusterBenchResult }> {
  const target = sessionboardTarget(2 * options.streams, options.cpuProfDir);
  const fanout = { streams: options.streams, rateEventsPerS: 10, phaseMs: options.quick ? 2000 : 3000 };
  const layouts: FanoutLayout[] = ['single', 'single-total', 'cluster'];
  const runs: ClusterFanoutRun[] = [];
  const load = LoadGenerator.start({ workers: options.workers });
  try {
    for (let repeat = 1; repeat <= options.repeats; repeat++) {
      const order = [...layouts.slice((repeat - 1) % layouts.length), ...layouts.slice(0, (repeat - 1) % layouts.length)];
      for (const layout of order) {
        const run = await runClusterFanout(layout, target, load, fanout, repeat);
        runs.push(run);
        const figures = run.error ?? `p50 ${run.latency.p50.toFixed(1)} ms, p99 ${run.latency.p99.toFixed(1)} ms, lost ${run.lost}, ${run.cpuMsPer1k.toFixed(1)} CPU ms/1k, machine ${run.machineBusyPercent.toFixed(0)}% busy`;
        console.log(`cluster ${repeat}/${options.repeats} ${layout} (${run.instances} × ${run.streams / run.instances} streams): ${figures}`);
      }
    }
  } finally {
    load.stop();
  }
  const lostTimes: LostTimeResult[] = [];
  for (const ttlMs of options.quick ? TTLS_MS.slice(1) : TTLS_MS) {
    const measured = await measureLostTime(target, ttlMs);
    lostTimes.push(measured);
    console.log(`kill -9 → lost with INSTANCE_TTL_MS=${ttlMs}: ${measured.error ?? `${(measured.lostAfterMs / 1000).toFixed(2)} s`}`);
  }

  const result: ClusterBenchResult = { streams: options.streams, rateEventsPerS: fanout.rateEventsPerS, phaseMs: fanout.phaseMs, runs, lostTimes, environment: options.environment };
  console.log(`\n${formatClusterTable(runs)}\n`);
  for (const check of checkClusterTargets(result)) {
    console.log(`${check.met === undefined ? '—     ' : check.met ? 'met   ' : 'MISSED'} ${check.goal}: ${check.measured}`);
  }
  const ok = runs.every((run) => run.error === undefined && run.lost === 0) && lostTimes.every((entry) => entry.error === undefined);
  return { ok, section: renderClusterSection(result), result };
}
