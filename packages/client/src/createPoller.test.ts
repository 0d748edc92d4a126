import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { globalTimers } from './ClientEnvironment.ts';
import { createPoller } from './createPoller.ts';
import type { PollRequest } from './createPoller.ts';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** A poller whose polls stay pending until the test settles them. */
function pendingPoller(timeoutMs?: number) {
  const requests: PollRequest[] = [];
  const settle: Array<() => void> = [];
  const poller = createPoller({
    timers: globalTimers,
    intervalMs: 2000,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    poll: (request) =>
      new Promise<void>((resolve) => {
        requests.push(request);
        settle.push(resolve);
      }),
  });
  return { poller, requests, settleAll: () => settle.splice(0).forEach((resolve) => resolve()) };
}

describe('loop', () => {
  it('polls at start and then every interval, once each', async () => {
    const { poller, requests, settleAll } = pendingPoller();
    poller.start();
    poller.start();
    expect(requests).toHaveLength(1);
    settleAll();
    await vi.advanceTimersByTimeAsync(1999);
    expect(requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(requests).toHaveLength(2);
    expect(poller.running).toBe(true);
  });

  it('skips a tick and pollNow() while a poll is in flight', async () => {
    const { poller, requests, settleAll } = pendingPoller(10_000);
    poller.start();
    poller.pollNow();
    await vi.advanceTimersByTimeAsync(4000);
    expect(requests).toHaveLength(1);
    settleAll();
    await vi.advanceTimersByTimeAsync(0);
    poller.pollNow();
    expect(requests).toHaveLength(2);
  });

  it('keeps polling after a poll rejects', async () => {
    let count = 0;
    const poller = createPoller({
      timers: globalTimers,
      intervalMs: 1000,
      poll: async () => {
        count += 1;
        throw new Error('boom');
      },
    });
    poller.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(count).toBe(3);
  });
});

describe('timeout and stop', () => {
  it('aborts a poll that outlives its timeout and says so', async () => {
    const { poller, requests } = pendingPoller(500);
    poller.start();
    await vi.advanceTimersByTimeAsync(499);
    expect(requests[0]?.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect([requests[0]?.signal.aborted, requests[0]?.timedOut(), requests[0]?.current()]).toEqual([true, true, true]);
  });

  it('aborts the poll in flight on stop, clears every timer, and keeps the old poll stale after a restart', async () => {
    const { poller, requests } = pendingPoller();
    poller.start();
    poller.stop();
    expect([requests[0]?.signal.aborted, requests[0]?.timedOut(), requests[0]?.current()]).toEqual([true, false, false]);
    expect(vi.getTimerCount()).toBe(0);
    expect(poller.running).toBe(false);
    poller.start();
    expect(requests).toHaveLength(2);
    expect([requests[0]?.current(), requests[1]?.current()]).toEqual([false, true]);
    poller.stop();
    poller.stop();
    poller.pollNow();
    expect(requests).toHaveLength(2);
  });
});
