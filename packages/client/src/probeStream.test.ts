import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorResponse } from '../test/fakes.ts';
import { globalTimers } from './ClientEnvironment.ts';
import { createAttempt } from './createAttempt.ts';
import { probeStream } from './probeStream.ts';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A fetch that answers with `answer`, or never when it is null, and rejects once aborted like a browser's. */
function fetchAnswering(answer: (() => Response) | null) {
  return vi.fn(
    (_input: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new DOMException('This operation was aborted', 'AbortError')));
        if (answer !== null) resolve(answer());
      }),
  );
}

describe('probeStream', () => {
  it('asks the stream URL for an event stream and reads the refusal with its Retry-After', async () => {
    const fetch = fetchAnswering(() => errorResponse(503, 'sse_disabled', 'Live updates are off.', { 'retry-after': '7' }));
    const error = await probeStream('/api/sse/sessions', createAttempt(globalTimers), { fetch, timeoutMs: 5000, now: Date.now });
    expect([error?.status, error?.code, error?.message, error?.retryAfterMs]).toEqual([503, 'sse_disabled', 'Live updates are off.', 7000]);
    expect(fetch.mock.calls[0]?.[0]).toBe('/api/sse/sessions');
    expect(fetch.mock.calls[0]?.[1]).toMatchObject({ headers: { accept: 'text/event-stream' }, cache: 'no-store' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('answers null for a stream that opens, and closes that stream at once', async () => {
    const fetch = fetchAnswering(() => new Response('retry: 2000\n\n', { headers: { 'content-type': 'text/event-stream' } }));
    expect(await probeStream('/s', createAttempt(globalTimers), { fetch, timeoutMs: 5000, now: Date.now })).toBeNull();
    expect(fetch.mock.calls[0]?.[1]?.signal?.aborted).toBe(true);
  });

  it('gives up after the timeout with a network error', async () => {
    const fetch = fetchAnswering(null);
    const probe = probeStream('/s', createAttempt(globalTimers), { fetch, timeoutMs: 5000, now: Date.now });
    await vi.advanceTimersByTimeAsync(4999);
    expect(fetch.mock.calls[0]?.[1]?.signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await probe;
    expect([error?.status, error?.code, error?.message]).toEqual([0, 'network_error', 'Cannot reach the server (This operation was aborted).']);
  });

  it('aborts its request and its timeout when the attempt ends', async () => {
    const fetch = fetchAnswering(null);
    const attempt = createAttempt(globalTimers);
    const probe = probeStream('/s', attempt, { fetch, timeoutMs: 5000, now: Date.now });
    attempt.abort();
    expect(fetch.mock.calls[0]?.[1]?.signal?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect((await probe)?.code).toBe('network_error');
  });
});
