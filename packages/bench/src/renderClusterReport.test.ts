import { describe, expect, it } from 'vitest';
import { checkClusterTargets, p99Ratios, renderClusterSection, spliceClusterSection, type ClusterBenchResult } from './renderClusterReport.ts';
import type { ClusterFanoutRun, FanoutLayout } from './runClusterFanout.ts';

function run(layout: FanoutLayout, repeat: number, p99: number, lost = 0, error?: string): ClusterFanoutRun {
  return {
    layout,
    repeat,
    instances: layout === 'cluster' ? 2 : 1,
    streams: layout === 'single' ? 1000 : 2000,
    openMs: 500,
    latency: { count: 100, p50: p99 / 2, p90: p99 * 0.8, p99, max: p99 * 1.1 },
    expected: 100,
    deliveries: 100 - lost,
    lost,
    cpuMsPer1k: 10,
    machineBusyPercent: 80,
    ...(error === undefined ? {} : { error }),
  };
}

function result(runs: ClusterFanoutRun[]): ClusterBenchResult {
  return { streams: 1000, rateEventsPerS: 10, phaseMs: 3000, runs, lostTimes: [{ ttlMs: 2000, lostAfterMs: 2500 }], environment: 'Measured here' };
}

describe('the cluster targets', () => {
  it('takes the p99 ratio repeat by repeat against the single server of the same repeat', () => {
    const runs = [run('single', 1, 10), run('cluster', 1, 14), run('single', 2, 20), run('cluster', 2, 50), run('single', 3, 10), run('cluster', 3, 12)];

    expect(p99Ratios(runs, 'single')).toEqual([1.4, 2.5, 1.2]);
    expect(checkClusterTargets(result(runs))[0]).toMatchObject({ met: true, measured: 'median 1.40× over 3 repeat(s) (1.40, 2.50, 1.20)' });
    expect(checkClusterTargets(result(runs))[1]).toMatchObject({ met: undefined, measured: 'median n/a× over 0 repeat(s) ()' });
  });

  it('misses on a lost delivery or a failed cluster run', () => {
    expect(checkClusterTargets(result([run('single', 1, 10), run('cluster', 1, 10, 3)]))[2]).toMatchObject({ met: false, measured: '3 lost of 100' });
    expect(checkClusterTargets(result([run('single', 1, 10), run('cluster', 1, 10, 0, 'boom')]))[2]).toMatchObject({ met: false, measured: '0 lost of 100 (1 run(s) failed)' });
  });
});

describe('the cluster section of docs/benchmarks.md', () => {
  it('replaces the section between its markers and leaves the rest as it was', () => {
    const section = renderClusterSection(result([run('single', 1, 10), run('single-total', 1, 16), run('cluster', 1, 12)]));
    const report = '# Benchmarks\n\n## Results\n\ntable\n\n## Reproduce\n\nsteps\n';

    const once = spliceClusterSection(report, section);
    const twice = spliceClusterSection(once, section.replace('Measured here', 'Measured again'));

    expect(once).toBe(`# Benchmarks\n\n## Results\n\ntable\n\n${section}\n\n## Reproduce\n\nsteps\n`);
    expect(twice).toBe(once.replace('Measured here', 'Measured again'));
    expect(section).toContain('| 2 instances on one Redis | 2 | 2000 | 500 | 6.0 | 9.6 | 12.0 | 13.2 | 0 | 10.0 | 80 | 1/1 |');
    expect(section).toContain('| 2000 | 2.50 |');
    expect(section).toContain('| fan-out p99 of 2 instances × 1000 streams ≤ 1.5× a single server\'s with 2000 (the same streams in all) | median 0.75× over 1 repeat(s) (0.75) | ✅ met |');
  });
});
