import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoffDelay.ts';

describe('backoffDelay', () => {
  it('doubles the ceiling from 1 s up to the 30 s cap', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 10].map((attempt) => backoffDelay(attempt, () => 0.999));
    expect(ceilings).toEqual([999, 1998, 3996, 7992, 15984, 29970, 29970, 29970]);
  });

  it('draws the full jitter down to zero', () => {
    expect(backoffDelay(4, () => 0)).toBe(0);
    expect(backoffDelay(2, () => 0.5)).toBe(2000);
  });

  it('takes other bounds', () => {
    expect(backoffDelay(3, () => 0.5, { baseMs: 100, capMs: 500 })).toBe(250);
  });
});
