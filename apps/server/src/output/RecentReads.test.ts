import { describe, expect, it } from 'vitest';
import { RecentReads } from './RecentReads.ts';

describe('RecentReads', () => {
  it('finds pieces by their exact range and keeps only the newest ones', () => {
    const memo = new RecentReads(2);
    const [a, b, c] = [[], [], []];

    memo.set(0, 10, a);
    memo.set(10, 20, b);
    memo.set(20, 30, c);

    expect(memo.get(0, 10)).toBeUndefined();
    expect(memo.get(10, 20)).toBe(b);
    expect(memo.get(20, 30)).toBe(c);
    expect(memo.get(10, 21)).toBeUndefined();
  });

  it('forgets everything when cleared', () => {
    const memo = new RecentReads();
    memo.set(0, 10, []);

    memo.clear();

    expect(memo.get(0, 10)).toBeUndefined();
  });
});
