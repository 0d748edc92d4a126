import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorResponse, fakeEventSources, jsonResponse } from '../test/fakes.ts';
import { routedFetch, type Route } from '../test/routedFetch.ts';
import type { ApiError } from './ApiError.ts';
import { createLiveConnection } from './createLiveConnection.ts';
import type { LiveStatusChange } from './createLiveConnection.ts';

// The machine's own contract with the client that configures it; what it does for each
// client is specified, case by case, in createSessionsClient.test.ts and createOutputClient.test.ts.

/** A caller whose cursor is a number, whose events are `tick` (moving it) and `done` (an end). */
function harness(options: { probe?: Route; poll?: Route; stopFor?: (error: ApiError) => boolean } = {}) {
  const sources = fakeEventSources();
  const { fetch, requestsOf } = routedFetch({
    '/stream': options.probe ?? (() => new Response('<h1>Bad gateway</h1>', { status: 502 })),
    '/poll': options.poll ?? (() => jsonResponse(200, { cursor: 7 })),
  });
  let cursor = 0;
  const shown: LiveStatusChange[] = [];
  const applied: number[] = [];
  const connection = createLiveConnection<'tick' | 'done', { cursor: number }, 'ended'>(
    { EventSource: sources.EventSource, fetch, random: () => 0 },
    {
      streamUrl: '/stream',
      resumeUrl: () => `/stream?from=${cursor}`,
      eventNames: ['tick', 'done'],
      onEvent(name, data) {
        if (name === 'done') connection.halt('ended');
        else cursor = (data as { cursor: number }).cursor;
      },
      pollUrl: () => `/poll?after=${cursor}`,
      pollIntervalMs: 1000,
      readPoll: (body) => (typeof (body as { cursor?: unknown }).cursor === 'number' ? (body as { cursor: number }) : null),
      unreadablePoll: 'Unreadable.',
      applyPoll(answer) {
        applied.push(answer.cursor);
        cursor = answer.cursor;
      },
      heartbeatMs: () => 100,
      show: (change) => shown.push(change),
      stopFor: options.stopFor,
      interrupted: 'Interrupted.',
      silent: 'Silent.',
    },
  );
  return { connection, sources, requestsOf, shown, applied };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('following', () => {
  it('does nothing until follow(), then opens the stream from the URL of the caller’s cursor at each opening', async () => {
    const { connection, sources, shown } = harness();
    expect([connection.mode, connection.following, sources.instances.length]).toEqual(['idle', false, 0]);
    connection.follow();
    expect([connection.mode, connection.following]).toEqual(['opening', true]);
    sources.latest().open();
    sources.latest().emit('tick', { cursor: 3 });
    expect(connection.mode).toBe('live');
    sources.latest().fail(0);
    await settle();
    expect(sources.instances.map((es) => es.url)).toEqual(['/stream?from=0', '/stream?from=3']);
    // A retry keeps the reason shown: its change leaves `error` out.
    expect(shown).toEqual([
      { status: 'connecting', error: null },
      { status: 'live', error: null },
      { status: 'connecting', error: 'Interrupted.' },
      { status: 'connecting', error: undefined },
    ]);
  });

  it('polls from the caller’s cursor without EventSource, and shows polling after each answer it applies', async () => {
    const sources = fakeEventSources();
    const { fetch, requestsOf } = routedFetch({ '/poll': () => jsonResponse(200, { cursor: 7 }) });
    const applied: number[] = [];
    const shown: LiveStatusChange[] = [];
    const connection = createLiveConnection<never, { cursor: number }>(
      { EventSource: null, fetch },
      {
        streamUrl: '/stream',
        resumeUrl: () => '/stream',
        eventNames: [],
        onEvent: () => {},
        pollUrl: () => `/poll?after=${applied.at(-1) ?? 0}`,
        pollIntervalMs: 1000,
        readPoll: (body) => body as { cursor: number },
        unreadablePoll: 'Unreadable.',
        applyPoll: (answer) => applied.push(answer.cursor),
        heartbeatMs: () => 100,
        show: (change) => shown.push(change),
        interrupted: 'Interrupted.',
        silent: 'Silent.',
      },
    );
    connection.follow();
    await vi.advanceTimersByTimeAsync(1000);
    expect(connection.mode).toBe('poll_only');
    expect(requestsOf('/poll')).toEqual(['/poll?after=0', '/poll?after=7']);
    expect(applied).toEqual([7, 7]);
    expect(shown.at(-1)).toEqual({ status: 'polling', error: 'This browser cannot open a live stream (no EventSource).' });
    expect(sources.instances).toHaveLength(0);
    connection.halt('idle');
  });
});

describe('ends', () => {
  it('rests in the mode the caller halts it in from inside an event, with the stream closed and no timer left', async () => {
    const { connection, sources } = harness();
    connection.follow();
    sources.latest().open();
    sources.latest().emit('done', {});
    expect([connection.mode, connection.following]).toEqual(['ended', false]);
    expect(sources.latest().closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    connection.reconnect();
    expect(sources.instances).toHaveLength(1);
  });

  it('signs out on a 401 without asking the caller, and follows afresh on reconnect()', async () => {
    const stopFor = vi.fn(() => false);
    const { connection, sources, shown } = harness({ probe: () => errorResponse(401, 'unauthorized', 'Sign in first.'), stopFor });
    connection.follow();
    sources.latest().fail();
    await settle();
    expect(connection.mode).toBe('signed_out');
    expect(shown.at(-1)).toEqual({ status: 'offline', error: 'Sign in first.', authRequired: true });
    expect(stopFor).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
    connection.reconnect();
    expect(connection.mode).toBe('opening');
    expect(sources.instances).toHaveLength(2);
  });

  it('hands any other refusal to stopFor, and retries as usual when it declines', async () => {
    const stopFor = vi.fn((error: ApiError) => error.status === 404);
    const { connection, sources } = harness({ probe: () => errorResponse(429, 'rate_limited', 'Slow down.', { 'retry-after': '3' }), stopFor });
    connection.follow();
    sources.latest().fail();
    await settle();
    expect(stopFor).toHaveBeenCalledTimes(1);
    expect(stopFor.mock.calls[0]?.[0]).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(connection.mode).toBe('waiting');
    await vi.advanceTimersByTimeAsync(3000);
    expect(sources.instances).toHaveLength(2);
    connection.halt('idle');
  });
});

describe('fallback polling', () => {
  it('shows an unreadable poll answer as offline with the caller’s words', async () => {
    const { connection, sources, shown, applied, requestsOf } = harness({
      probe: () => errorResponse(503, 'sse_disabled', 'Off.'),
      poll: () => jsonResponse(200, { nothing: true }),
    });
    connection.follow();
    sources.latest().fail();
    await settle();
    expect(requestsOf('/poll')).toEqual(['/poll?after=0']);
    expect(applied).toEqual([]);
    expect(shown.at(-1)).toEqual({ status: 'offline', error: 'Unreadable.' });
    connection.halt('idle');
    expect(vi.getTimerCount()).toBe(0);
  });
});
