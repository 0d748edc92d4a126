import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { globalTimers } from './ClientEnvironment.ts';
import { createAttempt } from './createAttempt.ts';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('timers', () => {
  it('runs a timer once after its delay while the attempt lasts', () => {
    const attempt = createAttempt(globalTimers);
    const fired = vi.fn();
    attempt.setTimeout(fired, 1000);
    vi.advanceTimersByTime(999);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clears every pending timer on abort', () => {
    const attempt = createAttempt(globalTimers);
    const fired = vi.fn();
    attempt.setTimeout(fired, 10);
    attempt.setTimeout(fired, 20);
    expect(vi.getTimerCount()).toBe(2);
    attempt.abort();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(fired).not.toHaveBeenCalled();
  });

  it('cancels one timer, and schedules nothing once aborted', () => {
    const attempt = createAttempt(globalTimers);
    const fired = vi.fn();
    const cancel = attempt.setTimeout(fired, 10);
    cancel();
    cancel();
    expect(vi.getTimerCount()).toBe(0);
    attempt.abort();
    attempt.setTimeout(fired, 10);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(fired).not.toHaveBeenCalled();
  });
});

describe('signals', () => {
  it('aborts its signal and its child controllers once, however often it is aborted', () => {
    const attempt = createAttempt(globalTimers);
    const child = attempt.childController();
    const onAbort = vi.fn();
    attempt.signal.addEventListener('abort', onAbort);
    expect([attempt.signal.aborted, child.signal.aborted]).toEqual([false, false]);
    attempt.abort();
    attempt.abort();
    expect([attempt.signal.aborted, child.signal.aborted]).toEqual([true, true]);
    expect(onAbort).toHaveBeenCalledTimes(1);
  });

  it('leaves the attempt alone when a child is aborted, and hands out aborted children once it ended', () => {
    const attempt = createAttempt(globalTimers);
    attempt.childController().abort();
    expect(attempt.signal.aborted).toBe(false);
    attempt.abort();
    expect(attempt.childController().signal.aborted).toBe(true);
  });
});
