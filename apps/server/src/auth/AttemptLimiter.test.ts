import { describe, expect, it } from 'vitest';
import { AttemptLimiter } from './AttemptLimiter.ts';

function limiter(limit = 3) {
  const clock = { now: 1_000_000 };
  return { clock, limiter: new AttemptLimiter({ limit, windowMs: 60_000, now: () => clock.now }) };
}

describe('AttemptLimiter', () => {
  it('allows `limit` attempts a window per key, then refuses until the window ends', () => {
    const { clock, limiter: attempts } = limiter(3);

    const counts = [1, 2, 3, 4].map(() => attempts.consume('a'));
    clock.now += 59_999;
    const stillRefused = attempts.consume('a');
    clock.now += 1;
    const fresh = attempts.consume('a');

    expect(counts).toEqual([
      { allowed: true, remaining: 2, resetMs: 60_000 },
      { allowed: true, remaining: 1, resetMs: 60_000 },
      { allowed: true, remaining: 0, resetMs: 60_000 },
      { allowed: false, remaining: 0, resetMs: 60_000 },
    ]);
    expect(stillRefused).toEqual({ allowed: false, remaining: 0, resetMs: 1 });
    expect(fresh).toEqual({ allowed: true, remaining: 2, resetMs: 60_000 });
  });

  it('counts keys apart', () => {
    const { limiter: attempts } = limiter(1);
    attempts.consume('a');

    expect(attempts.consume('a').allowed).toBe(false);
    expect(attempts.consume('b').allowed).toBe(true);
  });

  it('peeks without counting', () => {
    const { clock, limiter: attempts } = limiter(2);

    const before = attempts.peek('a');
    attempts.consume('a');
    attempts.consume('a');
    clock.now += 10_000;
    const after = attempts.peek('a');

    expect(before).toEqual({ allowed: true, remaining: 2, resetMs: 60_000 });
    expect(after).toEqual({ allowed: false, remaining: 0, resetMs: 50_000 });
  });

  it('sweeps expired windows once it holds many keys', () => {
    const clock = { now: 0 };
    const attempts = new AttemptLimiter({ limit: 1, windowMs: 1000, now: () => clock.now, sweepAbove: 2 });
    attempts.consume('a');
    attempts.consume('b');
    clock.now = 1000;
    attempts.consume('c');

    expect(attempts.peek('a')).toEqual({ allowed: true, remaining: 1, resetMs: 1000 });
    expect(attempts.peek('c')).toEqual({ allowed: false, remaining: 0, resetMs: 1000 });
  });
});
