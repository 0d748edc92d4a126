import { afterEach, describe, expect, it, vi } from 'vitest';
import { epochNow } from './epochNow.ts';
import { fireSteadily } from './fireSteadily.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('fireSteadily', () => {
  it('fires each call in order, none before its slot, and resolves once all have settled', async () => {
    // A fake clock: real timers may fire a fraction of a millisecond before performance.now() says.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const start = epochNow();
    const calls: { i: number; at: number }[] = [];
    let settled = 0;

    const all = fireSteadily(4, 20, start, async (i) => {
      calls.push({ i, at: epochNow() });
      await new Promise((resolve) => setTimeout(resolve, 30));
      settled += 1;
    });
    await vi.advanceTimersByTimeAsync(200);
    await all;

    expect(calls.map((call) => call.i)).toEqual([0, 1, 2, 3]);
    for (const call of calls) expect(call.at).toBeGreaterThanOrEqual(start + call.i * 20);
    expect(settled).toBe(4);
  });

  it('does not wait for one call to settle before the next', async () => {
    const started: number[] = [];
    const never = new Promise<void>(() => {});
    const all = fireSteadily(3, 0, epochNow(), (i) => {
      started.push(i);
      return i === 0 ? never : Promise.resolve();
    });

    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(started).toEqual([0, 1, 2]);
    void all;
  });
});
