import { describe, expect, it } from 'vitest';
import { formatRatios } from './formatRatios.ts';
import type { RunResult } from './runScenario.ts';

function run(target: string, p99: number, burst: number, error?: string): RunResult {
  const latency = { count: 10, p50: p99 / 2, p90: p99, p99, max: p99 };
  return {
    target,
    streams: 1000,
    repeat: 1,
    rssIdleMb: 50,
    rssOpenMb: 60,
    kbPerStream: 10,
    heapKbPerStream: 5,
    openMs: 100,
    openFailed: 0,
    latency,
    burstLatency: latency,
    rateDeliveriesPerS: 10_000,
    burstDeliveriesPerS: burst,
    expectedDeliveries: 1000,
    deliveries: 1000,
    lost: 0,
    dropped: 0,
    cpuMsPer1k: 10,
    ...(error === undefined ? {} : { error }),
  };
}

describe('formatRatios', () => {
  it('gives each subject as ratios to each reference that ran, and skips one that did not', () => {
    const table = formatRatios(
      [run('socket', 20, 50_000), run('go', 40, 100_000), run('sb', 30, 75_000), run('missing', 1, 1, 'did not start')],
      ['sb'],
      ['socket', 'go', 'missing'],
      { sb: 'Sessionboard', socket: 'socket floor', go: 'Go' },
    );
    expect(table.split('\n').slice(2)).toEqual([
      '| Sessionboard | socket floor | 1000 | 1.00× | 1.50× | 1.50× | 1.00× |',
      '| Sessionboard | Go | 1000 | 1.00× | 0.75× | 0.75× | 1.00× |',
    ]);
  });

  it('is empty when no reference ran', () => {
    expect(formatRatios([run('sb', 1, 1)], ['sb'], ['go'], {})).toBe('');
  });
});
