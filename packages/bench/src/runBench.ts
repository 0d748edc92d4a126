import type { BenchTarget } from './BenchTarget.ts';
import { LoadGenerator } from './LoadGenerator.ts';
import { runScenario, type RunResult, type ScenarioOptions } from './runScenario.ts';

/** Options of {@link runBench}. */
export interface RunBenchOptions {
  targets: readonly BenchTarget[];
  streams: readonly number[];
  repeats: number;
  workers: number;
  scenario: Omit<ScenarioOptions, 'streams'>;
  /** Called after each run, e.g. to print progress. */
  onRun?: (run: RunResult, index: number, total: number) => void;
}

/**
 * Runs every target at every stream count up to its `maxStreams`, `repeats` times. Within a
 * repeat the targets run back to back in an order rotated per repeat, so no target always runs
 * first or last.
 */
export async function runBench(options: RunBenchOptions): Promise<RunResult[]> {
  const load = LoadGenerator.start({ workers: options.workers });
  const runs: RunResult[] = [];
  const runsAt = (streams: number) => options.targets.filter((target) => streams <= (target.maxStreams ?? Infinity));
  const total = options.repeats * options.streams.reduce((sum, streams) => sum + runsAt(streams).length, 0);
  try {
    for (let repeat = 1; repeat <= options.repeats; repeat++) {
      for (const streams of options.streams) {
        const targets = runsAt(streams);
        const shift = (repeat - 1) % targets.length;
        const order = [...targets.slice(shift), ...targets.slice(0, shift)];
        for (const target of order) {
          const run = await runScenario(target, load, { ...options.scenario, streams }, repeat);
          runs.push(run);
          options.onRun?.(run, runs.length, total);
        }
      }
    }
  } finally {
    load.stop();
  }
  return runs;
}
