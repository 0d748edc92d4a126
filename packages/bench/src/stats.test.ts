import { describe, expect, it } from 'vitest';
import { concatSamples, median, percentile, summarizeLatencies } from './stats.ts';

describe('percentile', () => {
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  it('takes the nearest rank: the smallest value with p percent at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 90)).toBe(90);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 99.5)).toBe(100);
    expect(percentile(hundred, 100)).toBe(100);
  });

  it('gives the first value for p = 0 and the only value of one sample', () => {
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
  });

  it('is NaN for no samples and refuses p outside 0..100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile(hundred, 101)).toThrow(RangeError);
    expect(() => percentile(hundred, Number.NaN)).toThrow(RangeError);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the middle two, ignoring NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, Number.NaN, 1, 3])).toBe(3);
    expect(median([])).toBeNaN();
  });
});

describe('summarizeLatencies', () => {
  it('sorts numerically, not as strings, and leaves the samples as they were', () => {
    const samples = Float64Array.from([10, 9, 100, 2, 1]);
    expect(summarizeLatencies(samples)).toEqual({ count: 5, p50: 9, p90: 100, p99: 100, max: 100 });
    expect([...samples]).toEqual([10, 9, 100, 2, 1]);
  });

  it('reports NaN percentiles for a phase with no deliveries', () => {
    const summary = summarizeLatencies(new Float64Array());
    expect(summary.count).toBe(0);
    expect(summary.p99).toBeNaN();
    expect(summary.max).toBeNaN();
  });
});

describe('concatSamples', () => {
  it('joins the samples of every worker in order', () => {
    expect([...concatSamples([Float64Array.from([1, 2]), new Float64Array(), Float64Array.from([3])])]).toEqual([1, 2, 3]);
  });
});
