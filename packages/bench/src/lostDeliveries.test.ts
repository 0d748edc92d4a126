import { describe, expect, it } from 'vitest';
import { lostDeliveries } from './lostDeliveries.ts';

describe('lostDeliveries', () => {
  it('is 0 when every stream got every expected event', () => {
    expect(lostDeliveries(new Map([['e-1', 3], ['e-2', 3]]), 2, 3)).toBe(0);
  });

  it('counts the streams an event missed', () => {
    expect(lostDeliveries(new Map([['e-1', 3], ['e-2', 1]]), 2, 3)).toBe(2);
  });

  it('counts every stream for an expected event nobody got', () => {
    expect(lostDeliveries(new Map([['e-1', 3]]), 3, 3)).toBe(6);
  });

  it('does not let a duplicate hide a loss elsewhere', () => {
    expect(lostDeliveries(new Map([['e-1', 4], ['e-2', 2]]), 2, 3)).toBe(1);
  });
});
