import { describe, expect, it } from 'vitest';
import { tokenMatches } from './tokenMatches.ts';

describe('tokenMatches', () => {
  const token = 'sixteen-chars-ok';

  it('accepts the same token', () => {
    expect(tokenMatches(token, 'sixteen-chars-ok')).toBe(true);
  });

  it.each([
    ['a different token of the same length', 'sixteen-chars-no'],
    ['a prefix', 'sixteen'],
    ['a longer token', `${token}x`],
    ['an empty string', ''],
    ['the same letters in another case', token.toUpperCase()],
  ])('refuses %s', (_case, given) => {
    expect(tokenMatches(token, given)).toBe(false);
  });
});
