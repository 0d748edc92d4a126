import type { SummaryRow } from './summarizeRuns.ts';

/** One of the targets, judged on the summary. */
export interface TargetCheck {
  goal: string;
  measured: string;
  /** undefined when the runs needed to judge it were not made. */
  met: boolean | undefined;
}

const fixed = (value: number, digits = 2) => (Number.isNaN(value) ? 'n/a' : value.toFixed(digits));

/** Judges `subject` (Sessionboard) against the targets of the benchmark issue; ratios are to `floor`. */
export function evaluateTargets(rows: readonly SummaryRow[], subject: string, floor: string): TargetCheck[] {
  const mine = rows.filter((row) => row.target === subject).sort((a, b) => a.streams - b.streams);
  const at = (streams: number) => mine.find((row) => row.streams === streams && row.runs > 0);
  const all = (predicate: (row: SummaryRow) => boolean, list = mine) =>
    list.length === 0 ? undefined : list.every(predicate);
  const listed = (format: (row: SummaryRow) => string, list = mine) =>
    list.map((row) => `${row.streams}: ${format(row)}`).join(', ') || 'not run';
  const p99Rows = mine.filter((row) => row.streams === 1000 || row.streams === 5000);
  const tenThousand = mine.find((row) => row.streams >= 10_000);
  const thousand = at(1000);
  const floorThousand = rows.find((row) => row.target === floor && row.streams === 1000 && row.runs > 0);
  return [
    {
      goal: 'memory per open stream ≤ 1.15× the floor',
      measured: listed((row) => `${fixed(row.ratio.kbPerStream)}×`),
      met: all((row) => row.ratio.kbPerStream <= 1.15),
    },
    {
      goal: '10 000 streams open on this machine',
      measured: tenThousand
        ? `${tenThousand.openedAll} of ${tenThousand.runs + tenThousand.errors.length} runs at ${tenThousand.streams} opened them all`
        : 'not run',
      met: tenThousand ? tenThousand.openedAll === tenThousand.runs + tenThousand.errors.length : undefined,
    },
    {
      goal: 'fan-out p99 ≤ 1.25× the floor at 1000 and 5000 streams',
      measured: listed((row) => `${fixed(row.ratio.p99)}×`, p99Rows),
      met: all((row) => row.ratio.p99 <= 1.25, p99Rows),
    },
    {
      goal: '0 lost deliveries',
      measured: listed(
        (row) =>
          `${row.lost} lost of ${row.deliveries + row.lost}` +
          (row.errors.length > 0 ? ` (${row.errors.length} run(s) did not finish: ${row.errors[0]?.split('\n')[0]})` : ''),
      ),
      met: all((row) => row.lost === 0 && row.errors.length === 0),
    },
    {
      goal: 'deliveries/s ≥ 0.8× the floor, as fast as possible',
      measured: listed((row) => `${fixed(row.ratio.burstDeliveriesPerS)}×`),
      met: all((row) => row.ratio.burstDeliveriesPerS >= 0.8),
    },
    {
      goal: 'under 100 MB RSS with 1000 streams open',
      measured: thousand ? `${fixed(thousand.median.rssOpenMb, 1)} MB` : 'not run',
      met: thousand ? thousand.median.rssOpenMb < 100 : undefined,
    },
    {
      goal: 'under 100 ms to reach 1000 streams',
      measured: thousand
        ? `${fixed(thousand.median.openMs, 0)} ms (the floor: ${floorThousand ? fixed(floorThousand.median.openMs, 0) : 'n/a'} ms)`
        : 'not run',
      met: thousand ? thousand.median.openMs < 100 : undefined,
    },
  ];
}
