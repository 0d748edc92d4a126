import { describe, expect, it } from 'vitest';
import { checkOutputTargets, formatFloodTable, renderOutputReport } from './renderOutputReport.ts';
import type { FloodPhase, OutputFloodResult } from './runOutputFlood.ts';
import type { OutputMemoryResult } from './runOutputMemory.ts';

function phase(name: string, p99: number, output?: FloodPhase['output']): FloodPhase {
  return {
    name,
    latency: { count: 100, p50: p99 / 4, p90: p99 / 2, p99, max: p99 * 1.5 },
    expected: 100,
    deliveries: 100,
    lost: 0,
    cpuPercent: 12,
    rssMaxMb: 90,
    machineBusyPercent: 55,
    ...(output === undefined ? {} : { output }),
  };
}

function flood(quiet: number, during: number): OutputFloodResult {
  return {
    sessionStreams: 200,
    outputStreams: 100,
    phaseMs: 10_000,
    phases: [
      phase('quiet', quiet),
      phase('flood', during, {
        producedMibPerS: 20,
        eventsPerStreamPerS: 18.5,
        deliveredMibPerS: 250,
        truncated: 900,
        streamsOpen: 100,
        clientCpuPercent: 60,
        yesCpuPercent: 8,
      }),
      phase('quiet again', quiet),
    ],
    p99Ratio: during / quiet,
    floodHeapMb: 20,
  };
}

const MEMORY: OutputMemoryResult = {
  live: 64,
  liveBytes: 10 * 2 ** 20,
  ended: 200,
  endedBytes: 2 ** 20,
  rssIdleMb: 70,
  rssMb: 171.3,
  heapMb: 15,
  keptMemoryMib: 64,
  keptDiskMib: 200,
  fillS: 10,
};

describe('checkOutputTargets', () => {
  it('takes the median ratio of the flood runs, and the RSS against 200 MB', () => {
    const checks = checkOutputTargets([flood(10, 12), flood(10, 30), flood(10, 14)], MEMORY);

    expect(checks).toEqual([
      { goal: 'fan-out p99 during a yes flood ≤ 1.5× without', measured: 'median 1.40× over 3 run(s) (1.20, 3.00, 1.40)', met: true },
      {
        goal: 'RSS with 64 live sessions × 10 MiB printed and 200 ended × 1 MiB ≤ 200 MB',
        measured: '171.3 MB',
        met: true,
      },
    ]);
  });

  it('misses the ratio above 1.5 and leaves out failed runs', () => {
    const failed = { ...flood(10, 10), error: 'server exited' };

    const [ratio] = checkOutputTargets([flood(10, 20), failed], undefined);

    expect(ratio).toMatchObject({ measured: 'median 2.00× over 1 run(s) (2.00)', met: false });
  });
});

describe('renderOutputReport', () => {
  it('writes the targets, a row per phase and the memory figures', () => {
    const report = renderOutputReport({ floods: [flood(10, 12)], memory: MEMORY, environment: 'Measured here' });

    expect(report).toContain('| fan-out p99 during a yes flood ≤ 1.5× without | median 1.20× over 1 run(s) (1.20) | ✅ met |');
    expect(report).toContain('| 1 | flood | 3.0 | 12.0 | 18.0 | 0 | 12 | 90 | 55 | 18.5 | 250 | 20.0 | 900 | 60 | 8 |');
    expect(report).toContain('| 70.0 | 171.3 | 15.0 | 64.0 | 200.0 | 10.0 |');
    expect(formatFloodTable([flood(10, 12)]).split('\n')).toHaveLength(5);
  });
});
