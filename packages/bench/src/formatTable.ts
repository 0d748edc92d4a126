import type { SummaryRow } from './summarizeRuns.ts';

const num = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const ratio = (value: number) => (Number.isFinite(value) ? ` (${value.toFixed(2)}×)` : '');
const thousands = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ' ') : 'n/a';

/**
 * The summary as a Markdown table, one row per target and stream count; ratios are to the
 * floor in the same repeat (medians over repeats), so the floor's own rows have none.
 */
export function formatTable(rows: readonly SummaryRow[], labels: Readonly<Record<string, string>>, floorKey: string): string {
  const header = [
    'server',
    'streams',
    'RSS idle MB',
    'RSS open MB',
    'KB / stream',
    'heap KB / stream',
    'open ms',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'max ms',
    'deliveries/s at 10 ev/s',
    'deliveries/s burst',
    'lost',
    'CPU ms / 1k deliveries',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, index) => (index < 2 ? ' --- ' : ' ---: ')).join('|')}|`];
  const sorted = [...rows].sort((a, b) => a.streams - b.streams);
  for (const row of sorted) {
    const m = row.median;
    const r = row.target === floorKey ? undefined : row.ratio;
    const cells =
      row.runs === 0
        ? [`failed: ${row.errors[0]?.split('\n')[0] ?? 'no run'}`, ...Array<string>(header.length - 3).fill('')]
        : [
            num(m.rssIdleMb, 1),
            num(m.rssOpenMb, 1),
            num(m.kbPerStream, 1) + ratio(r?.kbPerStream ?? Number.NaN),
            num(m.heapKbPerStream, 1) + ratio(r?.heapKbPerStream ?? Number.NaN),
            num(m.openMs, 0) + ratio(r?.openMs ?? Number.NaN),
            num(m.p50, 1) + ratio(r?.p50 ?? Number.NaN),
            num(m.p90, 1),
            num(m.p99, 1) + ratio(r?.p99 ?? Number.NaN),
            num(m.max, 1),
            thousands(m.rateDeliveriesPerS),
            thousands(m.burstDeliveriesPerS) + ratio(r?.burstDeliveriesPerS ?? Number.NaN),
            String(row.lost) + (row.errors.length > 0 ? ` (${row.errors.length} failed)` : ''),
            num(m.cpuMsPer1k, 1) + ratio(r?.cpuMsPer1k ?? Number.NaN),
          ];
    lines.push(`| ${[labels[row.target] ?? row.target, thousands(row.streams), ...cells].join(' | ')} |`);
  }
  return lines.join('\n');
}
