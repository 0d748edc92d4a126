import type { RunResult } from './runScenario.ts';
import { median } from './stats.ts';

/** The figures a summary row takes medians of. */
export const MEDIAN_FIELDS = [
  'rssIdleMb',
  'rssOpenMb',
  'kbPerStream',
  'heapKbPerStream',
  'openMs',
  'p50',
  'p90',
  'p99',
  'max',
  'rateDeliveriesPerS',
  'burstDeliveriesPerS',
  'cpuMsPer1k',
] as const;
export type MedianField = (typeof MEDIAN_FIELDS)[number];

/** The figures also given as a ratio to Node's floor measured in the same repeat. */
export const RATIO_FIELDS = ['kbPerStream', 'heapKbPerStream', 'openMs', 'p50', 'p99', 'burstDeliveriesPerS', 'cpuMsPer1k'] as const;
export type RatioField = (typeof RATIO_FIELDS)[number];

/** One target at one stream count, over the repeats. */
export interface SummaryRow {
  target: string;
  streams: number;
  /** Runs that finished. */
  runs: number;
  /** Why the others did not. */
  errors: string[];
  /** Runs, finished or not, in which every stream opened. */
  openedAll: number;
  median: Record<MedianField, number>;
  /** Median over repeats of (this target ÷ Node's floor in the same repeat). */
  ratio: Record<RatioField, number>;
  /** Totals over every repeat. */
  lost: number;
  dropped: number;
  deliveries: number;
}

function field(run: RunResult, name: MedianField): number {
  switch (name) {
    case 'p50':
    case 'p90':
    case 'p99':
    case 'max':
      return run.latency[name];
    default:
      return run[name];
  }
}

/**
 * Medians over repeats per target and stream count, with ratios to `floorKey` taken
 * repeat by repeat (so that both sides of a ratio saw the same machine load).
 */
export function summarizeRuns(runs: readonly RunResult[], floorKey: string): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const keys = [...new Set(runs.map((run) => `${run.target}\u0000${run.streams}`))];
  for (const key of keys) {
    const [target = '', streamsText = '0'] = key.split('\u0000');
    const streams = Number(streamsText);
    const all = runs.filter((run) => run.target === target && run.streams === streams);
    const done = all.filter((run) => run.error === undefined);
    const floors = runs.filter((run) => run.target === floorKey && run.streams === streams && run.error === undefined);
    const medianOf = (name: MedianField) => median(done.map((run) => field(run, name)));
    const ratioOf = (name: RatioField) =>
      median(
        done.flatMap((run) => {
          const floor = floors.find((candidate) => candidate.repeat === run.repeat);
          return floor ? [field(run, name) / field(floor, name)] : [];
        }),
      );
    rows.push({
      target,
      streams,
      runs: done.length,
      errors: all.flatMap((run) => (run.error === undefined ? [] : [run.error])),
      openedAll: all.filter((run) => run.openFailed === 0 && Number.isFinite(run.openMs)).length,
      median: Object.fromEntries(MEDIAN_FIELDS.map((name) => [name, medianOf(name)])) as Record<MedianField, number>,
      ratio: Object.fromEntries(RATIO_FIELDS.map((name) => [name, ratioOf(name)])) as Record<RatioField, number>,
      lost: all.reduce((sum, run) => sum + run.lost, 0),
      dropped: all.reduce((sum, run) => sum + run.dropped, 0),
      deliveries: all.reduce((sum, run) => sum + run.deliveries, 0),
    });
  }
  return rows;
}
