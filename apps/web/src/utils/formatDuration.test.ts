import { describe, expect, it } from 'vitest';
import { formatDuration } from './formatDuration.ts';

describe('formatDuration', () => {
  it('picks the two largest units', () => {
    expect([0, 42_900, 185_000, 7_620_000, 356_400_000].map(formatDuration)).toEqual(['0s', '42s', '3m 05s', '2h 07m', '4d 03h']);
  });

  it('reads a negative duration as zero', () => {
    expect(formatDuration(-1500)).toBe('0s');
  });
});
