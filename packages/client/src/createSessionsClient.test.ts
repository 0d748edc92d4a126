import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '@sessionboard/protocol';
import { errorResponse, fakeEventSources, jsonResponse, session } from '../test/fakes.ts';
import { routedFetch, type Route } from '../test/routedFetch.ts';
import { createSessionsState } from './SessionsState.ts';
import type { SessionsState } from './SessionsState.ts';
import { createSessionsClient } from './createSessionsClient.ts';
import type { SessionsClientOptions } from './createSessionsClient.ts';

const a = session({ id: 'a' });
const b = session({ id: 'b' });

function harness(options: { jitter?: number; streamProbe?: Route; sessions?: Route } & SessionsClientOptions = {}) {
  const { jitter = 0.5, streamProbe, sessions, ...clientOptions } = options;
  const sources = fakeEventSources();
  const routes: Record<string, Route> = {
    '/api/sse/sessions': streamProbe ?? (() => new Response('<h1>Bad gateway</h1>', { status: 502 })),
    '/api/sessions': sessions ?? (() => jsonResponse(200, { sessions: [a], lastEventId: 'e7' })),
  };
  const { fetch, requestsOf, signalOf } = routedFetch(routes);
  const client = createSessionsClient({
    EventSource: sources.EventSource,
    fetch,
    random: () => jitter,
    now: () => Date.now(),
    ...clientOptions,
  });
  // Each status the client moves to, in order.
  const statuses: string[] = [];
  client.subscribe((state) => {
    if (state.status !== (statuses.at(-1) ?? 'connecting')) statuses.push(state.status);
  });
  const fetchesOf = (path: string) => requestsOf(path).length;
  return { client, sources, routes, fetch, statuses, fetchesOf, signalOf };
}

/** Lets pending promises (a probe, a poll) settle without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

function snapshotData(sessions: Session[], heartbeatMs = 30_000) {
  return { type: 'snapshot', sessions, at: 1, heartbeatMs };
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2025-01-01T10:00:00Z') });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('without EventSource', () => {
  it('polls GET /api/sessions at once and then every 10 000 ms exactly', async () => {
    const { client, fetchesOf, statuses } = harness({ EventSource: null });
    client.start();
    expect(fetchesOf('/api/sessions')).toBe(1);
    await settle();
    expect(client.getState()).toMatchObject({ status: 'polling', lastEventId: 'e7', sessions: { a } });
    expect(client.getState().lastUpdateAt).toBe(Date.parse('2025-01-01T10:00:00Z'));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(fetchesOf('/api/sessions')).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetchesOf('/api/sessions')).toBe(2);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fetchesOf('/api/sessions')).toBe(3);
    expect(statuses).toEqual(['polling']);
    expect(client.getState().error).toBe('This browser cannot open a live stream (no EventSource).');
  });

  it('is offline while polls fail and polling once one answers', async () => {
    const { client, routes, statuses } = harness({ EventSource: null });
    routes['/api/sessions'] = () => errorResponse(429, 'rate_limited', 'Too many requests; try again in 30 s.');
    client.start();
    await settle();
    expect(client.getState()).toMatchObject({ status: 'offline', error: 'Too many requests; try again in 30 s.', lastUpdateAt: null });
    routes['/api/sessions'] = () => jsonResponse(200, { sessions: [a, b], lastEventId: 'e9' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(client.getState()).toMatchObject({ status: 'polling', lastEventId: 'e9' });
    expect(Object.keys(client.getState().sessions)).toEqual(['a', 'b']);
    expect(statuses).toEqual(['offline', 'polling']);
  });
});

describe('stream', () => {
  it('opens the stream, takes the snapshot, then applies deltas by id', () => {
    const { client, sources, statuses, fetch } = harness();
    client.start();
    const es = sources.latest();
    expect(es.url).toBe('/api/sse/sessions');
    expect(client.getState().status).toBe('connecting');
    es.open();
    expect(client.getState().status).toBe('live');
    es.emit('snapshot', snapshotData([a, b]), 'e1');
    es.emit('session_updated', { type: 'session_updated', session: { ...a, status: 'stopping' }, at: 2 }, 'e2');
    es.emit('session_removed', { type: 'session_removed', session: b, at: 3 }, 'e3');
    es.emit('session_created', { type: 'session_created', session: session({ id: 'c' }), at: 4 }, 'e4');
    const state = client.getState();
    expect(Object.keys(state.sessions)).toEqual(['a', 'c']);
    expect(state.sessions['a']?.status).toBe('stopping');
    expect(state.lastEventId).toBe('e4');
    expect(state.heartbeatMs).toBe(30_000);
    expect(statuses).toEqual(['live']);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('ignores an event whose id it applied already', () => {
    const { client, sources } = harness();
    const seen: string[] = [];
    client.subscribe((_state, message) => seen.push(message.type));
    client.start();
    const es = sources.latest();
    es.open();
    es.emit('snapshot', snapshotData([a]), 'e1');
    es.emit('session_updated', { type: 'session_updated', session: { ...a, status: 'stopping' }, at: 2 }, 'e2');
    es.emit('session_updated', { type: 'session_updated', session: { ...a, status: 'running' }, at: 2 }, 'e2');
    es.emit('session_removed', { type: 'session_removed', session: a, at: 2 }, 'e1');
    expect(client.getState().sessions['a']?.status).toBe('stopping');
    expect(seen).toEqual(['status', 'snapshot', 'change']);
  });

  it('keeps the cursor on a ping, which has no id', () => {
    const { client, sources } = harness();
    client.start();
    const es = sources.latest();
    es.open();
    es.emit('snapshot', snapshotData([a]), 'e1');
    const before = client.getState();
    es.emit('ping', { type: 'ping', at: 5 });
    expect(client.getState()).toBe(before);
  });

  it('resumes by id after a drop, without probing', async () => {
    const { client, sources, fetch, statuses } = harness({ jitter: 0 });
    client.start();
    sources.latest().open();
    sources.latest().emit('snapshot', snapshotData([a]), 'e1');
    sources.latest().fail(0);
    expect(sources.instances[0]?.closed).toBe(true);
    expect(client.getState()).toMatchObject({ status: 'connecting', error: 'The live stream was interrupted; reconnecting.' });
    await settle();
    expect(sources.instances.map((es) => es.url)).toEqual(['/api/sse/sessions', '/api/sse/sessions?lastEventId=e1']);
    expect(fetch).not.toHaveBeenCalled();
    sources.latest().open();
    expect(statuses).toEqual(['live', 'connecting', 'live']);
    expect(client.getState().error).toBeNull();
  });
});

describe('backoff', () => {
  async function expectNextAttemptAfter(sources: ReturnType<typeof fakeEventSources>, ms: number) {
    const count = sources.instances.length;
    await vi.advanceTimersByTimeAsync(ms - 1);
    expect(sources.instances.length).toBe(count);
    await vi.advanceTimersByTimeAsync(1);
    expect(sources.instances.length).toBe(count + 1);
  }

  it('re-creates a failing stream after full-jitter delays doubling from 1 s to 30 s', async () => {
    const { client, sources } = harness({ jitter: 0.999 });
    client.start();
    for (const delay of [999, 1998, 3996, 7992, 15984, 29970, 29970]) {
      sources.latest().fail();
      await settle();
      await expectNextAttemptAfter(sources, delay);
    }
    expect(sources.instances.every((es, i) => es.closed === i < sources.instances.length - 1)).toBe(true);
  });

  it('tries again at once when the jitter draws zero', async () => {
    const { client, sources } = harness({ jitter: 0 });
    client.start();
    sources.latest().fail();
    await settle();
    expect(sources.instances).toHaveLength(2);
  });

  it('polls after three failures in a row and keeps trying the stream', async () => {
    const { client, sources, fetchesOf, statuses } = harness({ jitter: 0 });
    client.start();
    sources.latest().fail();
    await settle();
    sources.latest().fail();
    await settle();
    expect(fetchesOf('/api/sessions')).toBe(0);
    sources.latest().fail();
    await settle();
    expect(fetchesOf('/api/sessions')).toBe(1);
    expect(sources.instances).toHaveLength(4);
    expect(client.getState()).toMatchObject({ status: 'polling', error: 'The server answered 502.' });
    expect(statuses).toEqual(['polling']);
    sources.latest().fail();
    await settle();
    expect(sources.instances).toHaveLength(5);
    expect(client.getState().status).toBe('polling');
  });

  it('counts failures from the last message the stream delivered', async () => {
    const { client, sources, fetchesOf } = harness({ jitter: 0 });
    client.start();
    sources.latest().fail();
    await settle();
    sources.latest().fail();
    await settle();
    sources.latest().open();
    sources.latest().emit('snapshot', snapshotData([a]), 'e1');
    sources.latest().fail(0);
    await settle();
    expect(fetchesOf('/api/sessions')).toBe(0);
    expect(client.getState().status).toBe('connecting');
  });
});

describe('refusals', () => {
  it('polls at once on 503 sse_disabled and retries the stream after Retry-After', async () => {
    const { client, sources, fetchesOf } = harness({
      streamProbe: () => errorResponse(503, 'sse_disabled', 'Live updates are turned off on this server.', { 'retry-after': '20' }),
    });
    client.start();
    sources.latest().fail();
    await settle();
    expect(fetchesOf('/api/sessions')).toBe(1);
    expect(client.getState()).toMatchObject({ status: 'polling', error: 'Live updates are turned off on this server.' });
    await vi.advanceTimersByTimeAsync(19_999);
    expect(sources.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sources.instances).toHaveLength(2);
    expect(sources.latest().url).toBe('/api/sse/sessions?lastEventId=e7');
  });

  it('polls at once on 503 too_many_connections', async () => {
    const { client, sources, fetchesOf } = harness({
      streamProbe: () => errorResponse(503, 'too_many_connections', 'The server has too many live streams.', { 'retry-after': '5' }),
    });
    client.start();
    sources.latest().fail();
    await settle();
    expect(fetchesOf('/api/sessions')).toBe(1);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(sources.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sources.instances).toHaveLength(2);
  });

  it('honours Retry-After of a 429 and keeps connecting', async () => {
    const { client, sources, fetchesOf } = harness({
      streamProbe: () => errorResponse(429, 'rate_limited', 'Too many requests.', { 'retry-after': '12' }),
    });
    client.start();
    sources.latest().fail();
    await settle();
    expect(client.getState()).toMatchObject({ status: 'connecting', error: 'Too many requests.' });
    await vi.advanceTimersByTimeAsync(11_999);
    expect(sources.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sources.instances).toHaveLength(2);
    expect(fetchesOf('/api/sessions')).toBe(0);
  });

  it('reads an unreachable server from the probe', async () => {
    const { client, sources } = harness({ streamProbe: () => Promise.reject(new TypeError('fetch failed')) });
    client.start();
    sources.latest().fail();
    await settle();
    expect(client.getState()).toMatchObject({ status: 'connecting', error: 'Cannot reach the server (fetch failed).' });
  });
});

describe('returning from polling', () => {
  /** The stream refused by `probe`, then the next poll, 10 s later, left unanswered until `answer()`. */
  async function refusedWithPollPending(probe: Route) {
    let answer: (response: Response) => void = () => {};
    const refused = harness({ jitter: 0, streamProbe: probe });
    refused.client.start();
    refused.sources.latest().fail();
    await settle();
    refused.routes['/api/sessions'] = () => new Promise<Response>((resolve) => (answer = resolve));
    await vi.advanceTimersByTimeAsync(10_000);
    return { ...refused, answer: (response: Response) => answer(response) };
  }

  it('resumes from the poll’s lastEventId, stops polling and applies the replay once', async () => {
    const { client, sources, fetchesOf, statuses } = harness({
      jitter: 0,
      streamProbe: () => errorResponse(503, 'sse_disabled', 'Live updates are off.'),
    });
    client.start();
    sources.latest().fail();
    await settle();
    expect(client.getState()).toMatchObject({ status: 'polling', lastEventId: 'e7' });
    const es = sources.latest();
    expect(es.url).toBe('/api/sse/sessions?lastEventId=e7');
    es.open();
    expect(client.getState().status).toBe('live');
    es.emit('session_updated', { type: 'session_updated', session: { ...a, status: 'stopping' }, at: 9 }, 'e8');
    es.emit('session_updated', { type: 'session_updated', session: { ...a, status: 'running' }, at: 9 }, 'e8');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fetchesOf('/api/sessions')).toBe(1);
    expect(client.getState()).toMatchObject({ status: 'live', lastEventId: 'e8', error: null });
    expect(client.getState().sessions['a']?.status).toBe('stopping');
    expect(statuses).toEqual(['polling', 'live']);
  });

  it('defers a poll answer that lands while a stream attempt is opening, and drops it once the stream opens', async () => {
    const { client, sources, answer } = await refusedWithPollPending(() =>
      errorResponse(503, 'sse_disabled', 'Live updates are off.', { 'retry-after': '1' }),
    );
    expect(sources.instances).toHaveLength(2);
    answer(jsonResponse(200, { sessions: [a, b], lastEventId: 'e20' }));
    await settle();
    expect(client.getState()).toMatchObject({ lastEventId: 'e7', sessions: { a } });
    sources.latest().open();
    await settle();
    expect(client.getState()).toMatchObject({ status: 'live', lastEventId: 'e7' });
    expect(Object.keys(client.getState().sessions)).toEqual(['a']);
  });

  it('ignores a poll answer that arrives after the stream opened', async () => {
    // The 10-s poll and the retry start together; the stream opens before the poll answers.
    const { client, sources, statuses, signalOf, answer } = await refusedWithPollPending(() =>
      errorResponse(503, 'sse_disabled', 'Live updates are off.', { 'retry-after': '10' }),
    );
    const pollSignal = signalOf('/api/sessions');
    sources.latest().open();
    sources.latest().emit('snapshot', snapshotData([b]), 'e30');
    answer(jsonResponse(200, { sessions: [a], lastEventId: 'e20' }));
    await settle();
    expect(pollSignal?.aborted).toBe(true);
    expect(client.getState()).toMatchObject({ status: 'live', lastEventId: 'e30', error: null });
    expect(Object.keys(client.getState().sessions)).toEqual(['b']);
    expect(statuses).toEqual(['polling', 'live']);
  });

  it('applies a poll answer that landed during a stream attempt once that attempt is refused', async () => {
    // The retry 5 s after the refusal is still pending when the 10-s poll answers.
    const { client, sources, answer } = await refusedWithPollPending(() =>
      errorResponse(503, 'too_many_connections', 'Too many streams.', { 'retry-after': '5' }),
    );
    expect(sources.instances).toHaveLength(2);
    answer(jsonResponse(200, { sessions: [a, b], lastEventId: 'e20' }));
    await settle();
    expect(client.getState()).toMatchObject({ lastEventId: 'e7', sessions: { a } });
    sources.latest().fail();
    await settle();
    expect(client.getState()).toMatchObject({ status: 'polling', lastEventId: 'e20', sessions: { a, b } });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sources.instances).toHaveLength(3);
    expect(sources.latest().url).toBe('/api/sse/sessions?lastEventId=e20');
  });
});

describe('watchdog', () => {
  it('closes a stream silent for 2.5 heartbeats and resumes by id', async () => {
    const { client, sources, statuses } = harness({ jitter: 0 });
    client.start();
    const es = sources.latest();
    es.open();
    es.emit('snapshot', snapshotData([a], 1000), 'e1');
    await vi.advanceTimersByTimeAsync(2_499);
    es.emit('ping', { type: 'ping', at: 2 });
    await vi.advanceTimersByTimeAsync(2_499);
    expect(es.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(es.closed).toBe(true);
    expect(client.getState()).toMatchObject({ status: 'connecting', error: 'The live stream went silent; reconnecting.' });
    // A zero delay set inside a timer callback runs 1 ms later under fake timers.
    await vi.advanceTimersByTimeAsync(1);
    expect(sources.latest().url).toBe('/api/sse/sessions?lastEventId=e1');
    expect(statuses).toEqual(['live', 'connecting']);
  });

  it('assumes a 30 s heartbeat until a snapshot states one', async () => {
    const { client, sources } = harness({ initialState: { ...createSessionsState(), lastEventId: 'e3' } });
    client.start();
    const es = sources.latest();
    expect(es.url).toBe('/api/sse/sessions?lastEventId=e3');
    es.open();
    await vi.advanceTimersByTimeAsync(74_999);
    expect(es.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(es.closed).toBe(true);
  });
});

describe('lifecycle', () => {
  it('stops the stream, polling and every timer', async () => {
    const { client, sources } = harness({ streamProbe: () => errorResponse(503, 'sse_disabled', 'off') });
    client.start();
    sources.latest().fail();
    await settle();
    expect(vi.getTimerCount()).toBe(2);
    client.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(client.getState().status).toBe('offline');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sources.instances).toHaveLength(1);
  });

  it('drops a probe answer that arrives after stop', async () => {
    let answer: (response: Response) => void = () => {};
    const { client, sources } = harness({ streamProbe: () => new Promise<Response>((resolve) => (answer = resolve)) });
    client.start();
    sources.latest().fail();
    client.stop();
    answer(errorResponse(503, 'sse_disabled', 'off'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(client.getState().status).toBe('offline');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves nothing running when a listener stops it from inside a change', async () => {
    for (const stopOn of ['connecting', 'live', 'polling'] as const) {
      const { client, sources, fetchesOf } = harness({
        jitter: 0,
        streamProbe: () => errorResponse(503, 'sse_disabled', 'off'),
        initialState: { ...createSessionsState(), status: 'offline' },
      });
      client.subscribe((state) => {
        if (state.status === stopOn) client.stop();
      });
      client.start();
      if (stopOn !== 'connecting') {
        if (stopOn === 'live') sources.latest().open();
        else sources.latest().fail();
        await settle();
      }
      expect(client.getState().status).toBe('offline');
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect(sources.instances.length).toBe(stopOn === 'connecting' ? 0 : 1);
      expect(fetchesOf('/api/sessions')).toBe(stopOn === 'polling' ? 1 : 0);
    }
  });

  it('retries at once on reconnect()', async () => {
    const { client, sources } = harness({ jitter: 0.999 });
    client.start();
    sources.latest().fail();
    await settle();
    client.reconnect();
    expect(sources.instances).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sources.instances).toHaveLength(2);
  });
});

describe('outside messages', () => {
  it('applies and announces a message without a connection of its own', () => {
    const { client, sources } = harness();
    const seen: SessionsState[] = [];
    client.subscribe((state) => seen.push(state));
    client.apply({ type: 'snapshot', sessions: [b], lastEventId: 'e4', heartbeatMs: 30_000, at: 7 });
    client.apply({ type: 'status', status: 'live', error: null });
    expect(sources.instances).toHaveLength(0);
    expect(seen.map((state) => [state.status, state.lastEventId])).toEqual([
      ['connecting', 'e4'],
      ['live', 'e4'],
    ]);
  });

  it('stops announcing to an unsubscribed listener', () => {
    const { client } = harness();
    const listener = vi.fn();
    const unsubscribe = client.subscribe(listener);
    client.apply({ type: 'remove', id: 'x' });
    client.apply({ type: 'upsert', session: a });
    unsubscribe();
    client.apply({ type: 'upsert', session: b });
    expect(listener).toHaveBeenCalledTimes(1);
  });
});

describe('unauthorised', () => {
  const refused = () => errorResponse(401, 'unauthorized', 'Sign in first.', { 'www-authenticate': 'Bearer' });

  it('goes offline with authRequired on a 401 stream and requests nothing more until reconnect()', async () => {
    const { client, sources, fetchesOf } = harness({ streamProbe: refused });
    client.start();
    sources.latest().fail();
    await settle();
    expect(client.getState()).toMatchObject({ status: 'offline', error: 'Sign in first.', authRequired: true });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(sources.instances).toHaveLength(1);
    expect(fetchesOf('/api/sse/sessions')).toBe(1);
    expect(fetchesOf('/api/sessions')).toBe(0);
  });

  it('opens the stream again on reconnect() and drops authRequired once it is live', async () => {
    const { client, sources } = harness({ streamProbe: refused });
    client.start();
    sources.latest().fail();
    await settle();
    client.reconnect();
    expect(sources.instances).toHaveLength(2);
    expect(client.getState()).toMatchObject({ status: 'connecting', error: null });
    expect('authRequired' in client.getState()).toBe(false);
    sources.latest().emit('snapshot', snapshotData([a]), 'e1');
    expect(client.getState().status).toBe('live');
  });

  it('stops polling on a 401 poll, and polls again on reconnect()', async () => {
    let status = 401;
    const { client, fetchesOf } = harness({
      EventSource: null,
      sessions: () => (status === 401 ? refused() : jsonResponse(200, { sessions: [a], lastEventId: 'e7' })),
    });
    client.start();
    await settle();
    expect(client.getState()).toMatchObject({ status: 'offline', authRequired: true });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetchesOf('/api/sessions')).toBe(1);
    status = 200;
    client.reconnect();
    await settle();
    expect(fetchesOf('/api/sessions')).toBe(2);
    expect(client.getState()).toMatchObject({ status: 'polling', error: 'This browser cannot open a live stream (no EventSource).' });
    expect('authRequired' in client.getState()).toBe(false);
  });

  it('stops a stream attempt when a poll answers 401', async () => {
    const { client, sources } = harness({ maxStreamFailures: 1, sessions: refused });
    client.start();
    sources.latest().fail();
    await settle();
    expect(client.getState()).toMatchObject({ status: 'offline', authRequired: true });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sources.instances).toHaveLength(1);
  });

  it('stays signed out when a probe answers after a poll’s 401 (issue 11)', async () => {
    let probeStatus: 'refused' | 'pending' = 'refused';
    let answerProbe: (response: Response) => void = () => {};
    let pollStatus = 200;
    const { client, sources, fetchesOf, signalOf } = harness({
      jitter: 0,
      streamProbe: () =>
        probeStatus === 'refused'
          ? errorResponse(503, 'sse_disabled', 'Live updates are off.', { 'retry-after': '5' })
          : new Promise<Response>((resolve) => (answerProbe = resolve)),
      sessions: () => (pollStatus === 401 ? refused() : jsonResponse(200, { sessions: [a], lastEventId: 'e7' })),
    });
    client.start();
    sources.latest().fail();
    await settle();
    expect(client.getState().status).toBe('polling');
    // The retry 5 s after the refusal fails too, and its probe hangs while the 10-s poll answers 401.
    probeStatus = 'pending';
    pollStatus = 401;
    await vi.advanceTimersByTimeAsync(5_000);
    sources.latest().fail();
    await settle();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(client.getState()).toMatchObject({ status: 'offline', error: 'Sign in first.', authRequired: true });
    expect(signalOf('/api/sse/sessions')?.aborted).toBe(true);
    answerProbe(new Response('<h1>Bad gateway</h1>', { status: 502 }));
    await settle();
    expect(client.getState()).toMatchObject({ status: 'offline', error: 'Sign in first.', authRequired: true });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(sources.instances).toHaveLength(2);
    expect(fetchesOf('/api/sse/sessions')).toBe(2);
    expect(fetchesOf('/api/sessions')).toBe(2);
  });

  it('forgets the wait on stop() and start()', async () => {
    const { client, sources } = harness({ streamProbe: refused });
    client.start();
    sources.latest().fail();
    await settle();
    client.stop();
    client.start();
    expect(sources.instances).toHaveLength(2);
    expect(client.getState().status).toBe('connecting');
  });
});
