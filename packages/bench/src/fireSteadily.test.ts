import { describe, expect, it } from 'vitest';
import { epochNow } from './epochNow.ts';
import { fireSteadily } from './fireSteadily.ts';

describe('fireSteadily', () => {
  it('fires each call in order, none before its slot, and resolves once all have settled', async () => {
    const start = epochNow();
    const calls: { i: number; at: number }[] = [];
    let settled = 0;

    await fireSteadily(4, 20, start, async (i) => {
      calls.push({ i, at: epochNow() });
      await new Promise((resolve) => setTimeout(resolve, 30));
      settled += 1;
    });

    expect(calls.map((call) => call.i)).toEqual([0, 1, 2, 3]);
    for (const call of calls) expect(call.at).toBeGreaterThanOrEqual(start + call.i * 20 - 1);
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
