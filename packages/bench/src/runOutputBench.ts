import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sessionboardTarget } from './benchTargets.ts';
import { LoadGenerator } from './LoadGenerator.ts';
import { checkOutputTargets, formatFloodTable, renderOutputReport } from './renderOutputReport.ts';
import { runOutputFlood, type OutputFloodResult } from './runOutputFlood.ts';
import { runOutputMemory, type OutputMemoryResult } from './runOutputMemory.ts';

/** Options of {@link runOutputBench}. */
export interface OutputBenchOptions {
  /** Flood runs (the ratio reported is their median); each has quiet and flood phases by turns. */
  repeats: number;
  /** Load worker processes for the sessions streams. */
  workers: number;
  /** A short smoke run: 3-s phases, no memory scenario. */
  quick: boolean;
  /** Where `benchmarks-output.md` goes; undefined: nowhere. */
  outDir: string | undefined;
  /** Where the server writes a `--cpu-prof` profile per run. */
  cpuProfDir: string | undefined;
  /** The machine, the Node version and the date, for the report. */
  environment: string;
}

/**
 * Issue 13's scenarios against the built server: the `yes` flood (fan-out p99 with and
 * without, server CPU and RSS) `repeats` times, then the memory figure; prints them, checks
 * the targets and writes `docs/benchmarks-output.md`.
 * @returns false when a run failed or lost a delivery.
 */
export async function runOutputBench(options: OutputBenchOptions): Promise<boolean> {
  const sessionStreams = 200;
  const outputStreams = 100;
  const target = sessionboardTarget(sessionStreams + outputStreams, options.cpuProfDir);
  const floods: OutputFloodResult[] = [];
  const load = LoadGenerator.start({ workers: options.workers });
  try {
    for (let repeat = 1; repeat <= options.repeats; repeat++) {
      console.log(`output flood ${repeat}/${options.repeats}: quiet and yes × ${outputStreams} output streams by turns …`);
      floods.push(
        await runOutputFlood(target, load, { sessionStreams, outputStreams, phaseMs: options.quick ? 3000 : 6000, pairs: options.quick ? 1 : 5 }),
      );
    }
  } finally {
    load.stop();
  }
  let memory: OutputMemoryResult | undefined;
  if (!options.quick) {
    console.log('output memory: 200 ended sessions × 1 MiB, 64 live × 10 MiB …');
    memory = await runOutputMemory(target);
  }

  console.log(`\n${formatFloodTable(floods)}\n`);
  if (memory) {
    const figures = memory.error ?? `RSS ${memory.rssMb.toFixed(1)} MB (idle ${memory.rssIdleMb.toFixed(1)}, heap ${memory.heapMb.toFixed(1)})`;
    console.log(`memory: ${figures}`);
  }
  for (const check of checkOutputTargets(floods, memory)) {
    console.log(`${check.met === undefined ? '—     ' : check.met ? 'met   ' : 'MISSED'} ${check.goal}: ${check.measured}`);
  }
  if (options.outDir) {
    const file = path.join(options.outDir, 'benchmarks-output.md');
    writeFileSync(file, renderOutputReport({ floods, memory, environment: options.environment }));
    console.log(`wrote ${file}`);
  }
  const failed = floods.some((run) => run.error !== undefined || run.phases.some((phase) => phase.lost > 0)) || memory?.error !== undefined;
  return !failed;
}
