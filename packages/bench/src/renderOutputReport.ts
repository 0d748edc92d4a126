import type { OutputFloodResult } from './runOutputFlood.ts';
import type { OutputMemoryResult } from './runOutputMemory.ts';
import { median } from './stats.ts';

/** Issue 13's targets: fan-out p99 during a flood at most 1.5 × without; RSS at most 200 MB. */
export const OUTPUT_TARGETS = { p99Ratio: 1.5, rssMb: 200 } as const;

/** One target, met or not. */
export interface OutputCheck {
  goal: string;
  measured: string;
  /** Undefined when it was not measured. */
  met: boolean | undefined;
}

const f = (value: number | undefined, digits = 1) => (value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** Checks the runs against {@link OUTPUT_TARGETS}: the median ratio of the flood runs, the RSS. */
export function checkOutputTargets(floods: readonly OutputFloodResult[], memory: OutputMemoryResult | undefined): OutputCheck[] {
  const ratios = floods.filter((run) => run.error === undefined).map((run) => run.p99Ratio);
  const ratio = median(ratios);
  const checks: OutputCheck[] = [
    {
      goal: `fan-out p99 during a yes flood ≤ ${OUTPUT_TARGETS.p99Ratio}× without`,
      measured: `median ${f(ratio, 2)}× over ${ratios.length} run(s) (${ratios.map((value) => f(value, 2)).join(', ')})`,
      met: Number.isFinite(ratio) ? ratio <= OUTPUT_TARGETS.p99Ratio : undefined,
    },
  ];
  if (memory) {
    checks.push({
      goal: `RSS with ${memory.live} live sessions × ${f(memory.liveBytes / 2 ** 20, 0)} MiB printed and ${memory.ended} ended × ${f(memory.endedBytes / 2 ** 20, 0)} MiB ≤ ${OUTPUT_TARGETS.rssMb} MB`,
      measured: memory.error === undefined ? `${f(memory.rssMb)} MB` : `failed: ${memory.error}`,
      met: memory.error === undefined ? memory.rssMb <= OUTPUT_TARGETS.rssMb : undefined,
    });
  }
  return checks;
}

/** The flood runs as a Markdown table, a row per phase. */
export function formatFloodTable(floods: readonly OutputFloodResult[]): string {
  const rows = [
    '| run | phase | fan-out p50 ms | p99 ms | max ms | lost | server CPU % | RSS max MB | machine busy % | output events/s per stream | output MiB/s delivered | yes MiB/s | truncated | output clients CPU % | yes CPU % |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  floods.forEach((run, index) => {
    if (run.error !== undefined) rows.push(`| ${index + 1} | failed: ${run.error.split('\n')[0]} | | | | | | | | | | | | | |`);
    for (const phase of run.phases) {
      const output = phase.output;
      rows.push(
        `| ${index + 1} | ${phase.name} | ${f(phase.latency.p50)} | ${f(phase.latency.p99)} | ${f(phase.latency.max)} | ${phase.lost} | ` +
          `${f(phase.cpuPercent, 0)} | ${f(phase.rssMaxMb, 0)} | ${f(phase.machineBusyPercent, 0)} | ${f(output?.eventsPerStreamPerS)} | ` +
          `${f(output?.deliveredMibPerS, 0)} | ${f(output?.producedMibPerS)} | ${output?.truncated ?? ''} | ` +
          `${f(output?.clientCpuPercent, 0)} | ${f(output?.yesCpuPercent, 0)} |`,
      );
    }
  });
  return rows.join('\n');
}

const mark = (met: boolean | undefined) => (met === undefined ? '— not measured' : met ? '✅ met' : '❌ missed');

/** `docs/benchmarks-output.md`: method, results and targets of the output scenarios. */
export function renderOutputReport(input: {
  floods: readonly OutputFloodResult[];
  memory: OutputMemoryResult | undefined;
  environment: string;
}): string {
  const { floods, memory } = input;
  const first = floods[0];
  const checks = checkOutputTargets(floods, memory);
  const lines = [
    '# Output benchmarks (issue 13)',
    '',
    `${input.environment}. Written by \`pnpm bench\` (\`pnpm bench --output-only\` runs these alone).`,
    '',
    '## Targets',
    '',
    '| target | measured | |',
    '| --- | --- | --- |',
    ...checks.map((check) => `| ${check.goal} | ${check.measured} | ${mark(check.met)} |`),
    '',
    '## A `yes` flood followed by 100 output streams',
    '',
    `One server (the built \`apps/server/dist/main.js\`), ${first?.sessionStreams ?? 'n/a'} sessions streams opened by the load`,
    'workers, session events at 10 a second (each `POST /api/sessions` of `true` publishes two) timed from',
    `their \`at\` to their arrival on every stream, in phases of ${f((first?.phaseMs ?? Number.NaN) / 1000, 0)} s after a warm-up, quiet and flood by turns`,
    `(quiet, flood, quiet, … quiet, so that the machine's other load weighs on both alike). In a flood phase a \`yes\``,
    `session is followed on ${first?.outputStreams ?? 'n/a'} output streams from one more process; it is killed (\`DELETE …?signal=SIGKILL\`)`,
    'and its streams closed before the next quiet phase. The ratio is the median p99 of the flood phases',
    'over the median p99 of the quiet ones. Server CPU is over all its threads, in % of one core; RSS the',
    'highest sampled every 250 ms; machine busy is the share of all cores in use, by anything. `yes` itself, the load',
    'workers and the output clients share the machine with the server.',
    '',
    formatFloodTable(floods),
    '',
  ];
  if (floods.some((run) => Number.isFinite(run.floodHeapMb))) {
    lines.push(
      `Live JS heap at the end of the last flood phase, after a full GC: ${floods.map((run) => `${f(run.floodHeapMb)} MB`).join(', ')}.`,
      '',
    );
  }
  if (memory) {
    lines.push(
      '## Memory with many sessions',
      '',
      `${memory.ended} sessions each print ${f(memory.endedBytes / 2 ** 20, 0)} MiB of text and exit, then ${memory.live} sessions each print`,
      `${f(memory.liveBytes / 2 ** 20, 0)} MiB and keep running (\`SESSIONS_OUTPUT_BYTES\` at its default, 1 MiB); the RSS is read 2 s`,
      'after the last byte is kept.',
      '',
      '| RSS idle MB | RSS MB | live heap MB | kept in memory MiB | kept on disk MiB | filling took s |',
      '| ---: | ---: | ---: | ---: | ---: | ---: |',
      memory.error === undefined
        ? `| ${f(memory.rssIdleMb)} | ${f(memory.rssMb)} | ${f(memory.heapMb)} | ${f(memory.keptMemoryMib)} | ${f(memory.keptDiskMib)} | ${f(memory.fillS)} |`
        : `| failed: ${memory.error.split('\n')[0]} | | | | | |`,
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}
