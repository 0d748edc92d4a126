import { describe, expect, it } from 'vitest';
import { parseOffset } from './parseOffset.ts';

describe('parseOffset', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    ['007', 7],
    ['9007199254740991', 9_007_199_254_740_991],
  ])('reads %j as %i', (text, offset) => {
    expect(parseOffset(text)).toBe(offset);
  });

  it.each(['', '-1', '+1', '1.5', '1e3', ' 1', '1 ', '0x10', 'abc', '9007199254740992', '12345678901234567'])(
    'refuses %j',
    (text) => {
      expect(parseOffset(text)).toBeUndefined();
    },
  );
});
