import type { RunResult } from './runScenario.ts';
import { summarizeRuns } from './summarizeRuns.ts';

const ratio = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a');

/**
 * A Markdown table of each subject against each reference (the socket floor, the Go peer):
 * memory per stream, fan-out p99, burst deliveries/s and CPU per delivery, as medians of
 * ratios taken repeat by repeat. Pairs where either side did not run are left out.
 */
export function formatRatios(
  runs: readonly RunResult[],
  subjects: readonly string[],
  references: readonly string[],
  labels: Readonly<Record<string, string>>,
): string {
  const lines = ['| server | against | streams | KB / stream | p99 | deliveries/s burst | CPU / delivery |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const reference of references) {
    if (!runs.some((run) => run.target === reference && run.error === undefined)) continue;
    const rows = summarizeRuns(runs, reference);
    for (const subject of subjects.filter((candidate) => candidate !== reference)) {
      for (const row of rows.filter((candidate) => candidate.target === subject && candidate.runs > 0).sort((a, b) => a.streams - b.streams)) {
        const r = row.ratio;
        lines.push(
          `| ${labels[subject] ?? subject} | ${labels[reference] ?? reference} | ${row.streams} | ${ratio(r.kbPerStream)} | ${ratio(r.p99)} | ${ratio(r.burstDeliveriesPerS)} | ${ratio(r.cpuMsPer1k)} |`,
        );
      }
    }
  }
  return lines.length > 2 ? lines.join('\n') : '';
}
