import { describe, expect, it } from 'vitest';
import type { RunResult } from './runScenario.ts';
import { summarizeRuns } from './summarizeRuns.ts';

function run(target: string, repeat: number, p99: number, kbPerStream: number, lost = 0): RunResult {
  const latency = { count: 10, p50: p99 / 2, p90: p99, p99, max: p99 };
  return {
    target,
    streams: 1000,
    repeat,
    rssIdleMb: 50,
    rssOpenMb: 60,
    kbPerStream,
    heapKbPerStream: kbPerStream / 2,
    openMs: 100,
    openFailed: 0,
    latency,
    burstLatency: latency,
    rateDeliveriesPerS: 10_000,
    burstDeliveriesPerS: 50_000,
    expectedDeliveries: 1000,
    deliveries: 1000 - lost,
    lost,
    dropped: 0,
    cpuMsPer1k: 10,
  };
}

describe('summarizeRuns', () => {
  it('takes medians over repeats and ratios to the floor within each repeat', () => {
    const rows = summarizeRuns(
      [
        run('floor', 1, 10, 10),
        run('x', 1, 12, 11),
        run('floor', 2, 20, 10),
        run('x', 2, 22, 12),
        run('floor', 3, 40, 10),
        run('x', 3, 80, 13, 5),
      ],
      'floor',
    );
    const x = rows.find((row) => row.target === 'x');
    expect(x?.runs).toBe(3);
    expect(x?.median.p99).toBe(22);
    expect(x?.median.kbPerStream).toBe(12);
    // Per-repeat ratios 1.2, 1.1, 2.0: the median is 1.2, not 22 / 20.
    expect(x?.ratio.p99).toBeCloseTo(1.2);
    expect(x?.lost).toBe(5);
    expect(rows.find((row) => row.target === 'floor')?.ratio.p99).toBe(1);
  });

  it('leaves failed runs out of the medians and lists why they failed', () => {
    const failed = { ...run('x', 2, 1000, 1000), error: 'exited while starting' };
    const rows = summarizeRuns([run('floor', 1, 10, 10), run('x', 1, 12, 11), run('floor', 2, 10, 10), failed], 'floor');
    const x = rows.find((row) => row.target === 'x');
    expect(x?.runs).toBe(1);
    expect(x?.median.p99).toBe(12);
    expect(x?.errors).toEqual(['exited while starting']);
    expect(x?.openedAll).toBe(2);
  });
});
