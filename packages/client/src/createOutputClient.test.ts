import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OutputChunk, SessionOutputResponse } from '@sessionboard/protocol';
import { errorResponse, fakeEventSources, jsonResponse, session } from '../test/fakes.ts';
import type { FakeEventSource } from '../test/fakes.ts';
import { routedFetch, type Route } from '../test/routedFetch.ts';
import type { OutputState } from './OutputState.ts';
import { createOutputClient } from './createOutputClient.ts';
import type { OutputClientOptions } from './createOutputClient.ts';

const STREAM = '/api/sse/sessions/s1/output';
const POLL = '/api/sessions/s1/output';

function harness(options: { jitter?: number; streamProbe?: Route; output?: Route } & Partial<OutputClientOptions> = {}) {
  const { jitter = 0.5, streamProbe, output, ...clientOptions } = options;
  const sources = fakeEventSources();
  const routes: Record<string, Route> = {
    [STREAM]: streamProbe ?? (() => new Response('<h1>Bad gateway</h1>', { status: 502 })),
    [POLL]: output ?? (() => pollAnswer([])),
  };
  const { fetch, requestsOf, signalOf } = routedFetch(routes);
  const client = createOutputClient({
    sessionId: 's1',
    EventSource: sources.EventSource,
    fetch,
    random: () => jitter,
    now: () => Date.now(),
    ...clientOptions,
  });
  // Each state the client moves to, in order.
  const states: string[] = [];
  client.subscribe((state) => {
    if (state.state !== (states.at(-1) ?? 'connecting')) states.push(state.state);
  });
  return { client, sources, routes, fetch, states, requestsOf, signalOf };
}

/**
 * The stream refused (503 with `Retry-After: retryAfter` seconds) and polled once, answered
 * `first()`; the next poll, 2 s later, is left unanswered until `answer()`.
 */
async function refusedWithPollPending(retryAfter: string, first: () => Response) {
  let answer: (response: Response) => void = () => {};
  let pending = false;
  const refused = harness({
    jitter: 0,
    streamProbe: () => errorResponse(503, 'sse_disabled', 'Off.', { 'retry-after': retryAfter }),
    output: () => (pending ? new Promise<Response>((resolve) => (answer = resolve)) : first()),
  });
  refused.client.start();
  refused.sources.latest().fail();
  await settle();
  pending = true;
  await vi.advanceTimersByTimeAsync(2_000);
  return { ...refused, answer: (response: Response) => answer(response) };
}

function pollAnswer(chunks: OutputChunk[], extra: Partial<SessionOutputResponse> = {}): Response {
  const offset = chunks.at(-1)?.offset ?? 0;
  return jsonResponse(200, { chunks, offset, from: 0, ended: false, ...extra });
}

const chunk = (text: string, offset: number, stream: OutputChunk['stream'] = 'stdout'): OutputChunk => ({ stream, text, offset });

/** Emits `event: output` with the offset as its id, as the server does. */
function emitOutput(es: FakeEventSource, text: string, offset: number, stream: OutputChunk['stream'] = 'stdout') {
  es.emit('output', chunk(text, offset, stream), String(offset));
}

/** The text shown, marks as `[…from N]`. */
function shown(state: OutputState): string {
  return state.segments.map((segment) => (segment.kind === 'output' ? segment.text : `[…from ${segment.from}]`)).join('');
}

/** Lets pending promises (a probe, a poll) settle without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2025-01-01T10:00:00Z') });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('stream', () => {
  it('follows the output stream without an id and keeps stdout and stderr apart by chunk', () => {
    const { client, sources, states, fetch } = harness();
    client.start();
    const es = sources.latest();
    expect(es.url).toBe(STREAM);
    expect(client.getState().state).toBe('connecting');
    es.open();
    emitOutput(es, 'building…\n', 12);
    emitOutput(es, 'warning: x\n', 23, 'stderr');
    emitOutput(es, 'done\n', 28);
    const state = client.getState();
    expect(state).toMatchObject({ sessionId: 's1', state: 'live', offset: 28, keptBytes: 28, error: null, session: null });
    expect(state.segments).toEqual([
      { kind: 'output', stream: 'stdout', text: 'building…\n', start: 0, end: 12 },
      { kind: 'output', stream: 'stderr', text: 'warning: x\n', start: 12, end: 23 },
      { kind: 'output', stream: 'stdout', text: 'done\n', start: 23, end: 28 },
    ]);
    expect(states).toEqual(['live']);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('resumes from the offset it holds after a drop, without probing, and skips a repeated chunk', async () => {
    const { client, sources, fetch, states } = harness({ jitter: 0 });
    client.start();
    sources.latest().open();
    emitOutput(sources.latest(), 'abc', 3);
    sources.latest().fail(0);
    expect(sources.instances[0]?.closed).toBe(true);
    expect(client.getState()).toMatchObject({ state: 'connecting', error: 'The output stream was interrupted; reconnecting.' });
    await settle();
    expect(sources.latest().url).toBe(`${STREAM}?lastEventId=3`);
    sources.latest().open();
    emitOutput(sources.latest(), 'abc', 3);
    emitOutput(sources.latest(), 'def', 6);
    expect(shown(client.getState())).toBe('abcdef');
    expect(fetch).not.toHaveBeenCalled();
    expect(states).toEqual(['live', 'connecting', 'live']);
  });

  it('marks output the server dropped and goes on from there', () => {
    const { client, sources } = harness();
    client.start();
    const es = sources.latest();
    es.open();
    es.emit('truncated', { type: 'truncated', from: 4096 });
    emitOutput(es, 'tail', 4100);
    expect(client.getState().segments).toEqual([
      { kind: 'truncated', from: 4096, by: 'server' },
      { kind: 'output', stream: 'stdout', text: 'tail', start: 4096, end: 4100 },
    ]);
    expect(client.getState().offset).toBe(4100);
  });

  it('ends on end: keeps the final session, closes the EventSource and never reconnects', async () => {
    const { client, sources, fetch, states } = harness();
    const final = session({ id: 's1', status: 'exited', exitCode: 1, pid: null, endedAt: '2025-01-01T10:00:05.000Z' });
    client.start();
    const es = sources.latest();
    es.open();
    emitOutput(es, 'bye\n', 4);
    es.emit('end', { type: 'end', session: final, offset: 4 });
    expect(es.closed).toBe(true);
    expect(client.getState()).toMatchObject({ state: 'ended', offset: 4, session: final, error: null });
    expect(vi.getTimerCount()).toBe(0);
    // What a native EventSource does after the server closes: ignored.
    es.fail(0);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(sources.instances).toHaveLength(1);
    expect(fetch).not.toHaveBeenCalled();
    client.stop();
    client.start();
    expect(client.getState().state).toBe('ended');
    expect(states).toEqual(['live', 'ended']);
  });

  it('ignores events it cannot read', () => {
    const { client, sources } = harness();
    client.start();
    const es = sources.latest();
    es.open();
    es.emit('output', { stream: 'stdin', text: 'x', offset: 1 });
    es.emit('output', { stream: 'stdout', text: 'x', offset: -1 });
    es.emit('truncated', { type: 'truncated' });
    es.emit('end', { type: 'end', offset: 3 });
    expect(client.getState()).toMatchObject({ state: 'live', offset: 0, segments: [] });
  });
});

describe('watchdog', () => {
  it('closes a stream silent for 2.5 heartbeats and resumes from the offset; pings keep it alive', async () => {
    const { client, sources } = harness({ jitter: 0, heartbeatMs: 1000 });
    client.start();
    const es = sources.latest();
    es.open();
    emitOutput(es, 'x', 1);
    await vi.advanceTimersByTimeAsync(2_499);
    es.emit('ping', { type: 'ping', at: 1 });
    await vi.advanceTimersByTimeAsync(2_499);
    expect(es.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(es.closed).toBe(true);
    expect(client.getState()).toMatchObject({ state: 'connecting', error: 'The output stream went silent; reconnecting.' });
    await vi.advanceTimersByTimeAsync(1);
    expect(sources.latest().url).toBe(`${STREAM}?lastEventId=1`);
  });

  it('assumes the default 30-s heartbeat', async () => {
    const { client, sources } = harness();
    client.start();
    sources.latest().open();
    await vi.advanceTimersByTimeAsync(74_999);
    expect(sources.latest().closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(sources.instances[0]?.closed).toBe(true);
  });
});

describe('refusals', () => {
  it('stops as not_found when the probe answers 404', async () => {
    const { client, sources, requestsOf } = harness({ streamProbe: () => errorResponse(404, 'not_found', 'No session "s1".') });
    client.start();
    sources.latest().fail();
    await settle();
    expect(client.getState()).toMatchObject({ state: 'not_found', error: 'No session "s1".' });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(sources.instances).toHaveLength(1);
    expect(requestsOf(POLL)).toHaveLength(0);
  });

  it('waits for start() after a 401, then resumes from the offset', async () => {
    let status = 200;
    const { client, sources } = harness({
      streamProbe: () => (status === 401 ? errorResponse(401, 'unauthorized', 'Sign in first.') : new Response('', { status: 200 })),
    });
    client.start();
    sources.latest().open();
    emitOutput(sources.latest(), 'abc', 3);
    status = 401;
    sources.latest().fail(0);
    await vi.advanceTimersByTimeAsync(1_000);
    sources.latest().fail();
    await settle();
    expect(client.getState()).toMatchObject({ state: 'offline', error: 'Sign in first.', authRequired: true });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sources.instances).toHaveLength(2);
    client.start();
    expect(sources.instances).toHaveLength(3);
    expect(sources.latest().url).toBe(`${STREAM}?lastEventId=3`);
    expect(client.getState()).toMatchObject({ state: 'connecting', error: null });
    expect('authRequired' in client.getState()).toBe(false);
  });

  it('honours Retry-After of a 429 and keeps connecting', async () => {
    const { client, sources, requestsOf } = harness({
      streamProbe: () => errorResponse(429, 'rate_limited', 'Too many requests.', { 'retry-after': '12' }),
    });
    client.start();
    sources.latest().fail();
    await settle();
    expect(client.getState()).toMatchObject({ state: 'connecting', error: 'Too many requests.' });
    await vi.advanceTimersByTimeAsync(11_999);
    expect(sources.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sources.instances).toHaveLength(2);
    expect(requestsOf(POLL)).toHaveLength(0);
  });
});

describe('polling', () => {
  it('polls every 2000 ms exactly without EventSource, each time after the offset it holds', async () => {
    let next: OutputChunk[] = [chunk('one\n', 4)];
    const { client, requestsOf, states } = harness({
      EventSource: null,
      output: () => {
        const answer = pollAnswer(next, next.length === 0 ? { offset: 4 } : {});
        next = [];
        return answer;
      },
    });
    client.start();
    expect(requestsOf(POLL)).toEqual([`${POLL}?after=0`]);
    await settle();
    expect(client.getState()).toMatchObject({ state: 'polling', offset: 4, error: 'This browser cannot open a live stream (no EventSource).' });
    next = [chunk('two\n', 8, 'stderr')];
    await vi.advanceTimersByTimeAsync(1_999);
    expect(requestsOf(POLL)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(requestsOf(POLL)).toEqual([`${POLL}?after=0`, `${POLL}?after=4`]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(requestsOf(POLL).at(-1)).toBe(`${POLL}?after=8`);
    expect(shown(client.getState())).toBe('one\ntwo\n');
    expect(states).toEqual(['polling']);
  });

  it('polls at once on 503 sse_disabled and returns to the stream after Retry-After, from the polled offset', async () => {
    const { client, sources, requestsOf, states } = harness({
      streamProbe: () => errorResponse(503, 'sse_disabled', 'Live updates are off.', { 'retry-after': '5' }),
      output: () => pollAnswer([chunk('abc', 3)]),
    });
    client.start();
    sources.latest().fail();
    await settle();
    expect(requestsOf(POLL)).toHaveLength(1);
    expect(client.getState()).toMatchObject({ state: 'polling', offset: 3, error: 'Live updates are off.' });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(sources.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sources.latest().url).toBe(`${STREAM}?lastEventId=3`);
    sources.latest().open();
    expect(client.getState()).toMatchObject({ state: 'live', error: null });
    const polls = requestsOf(POLL).length;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(requestsOf(POLL)).toHaveLength(polls);
    expect(states).toEqual(['polling', 'live']);
  });

  it('polls after three stream failures in a row and keeps trying the stream', async () => {
    const { client, sources, requestsOf } = harness({ jitter: 0 });
    client.start();
    for (let i = 0; i < 2; i += 1) {
      sources.latest().fail();
      await settle();
    }
    expect(requestsOf(POLL)).toHaveLength(0);
    sources.latest().fail();
    await settle();
    expect(requestsOf(POLL)).toHaveLength(1);
    expect(client.getState()).toMatchObject({ state: 'polling', error: 'The server answered 502.' });
    expect(sources.instances).toHaveLength(4);
  });

  it('ends on an ended poll and stops everything', async () => {
    const { client, sources, requestsOf } = harness({
      EventSource: null,
      output: () => pollAnswer([chunk('bye\n', 4)], { ended: true }),
    });
    client.start();
    await settle();
    expect(client.getState()).toMatchObject({ state: 'ended', offset: 4, session: null, error: null });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(requestsOf(POLL)).toHaveLength(1);
    expect(sources.instances).toHaveLength(0);
  });

  it('marks a gap when a poll starts past the offset it holds', async () => {
    let answer = pollAnswer([chunk('ab', 2)]);
    const { client } = harness({ EventSource: null, output: () => answer });
    client.start();
    await settle();
    answer = pollAnswer([chunk('zz', 1002)], { from: 1000 });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(shown(client.getState())).toBe('ab[…from 1000]zz');
    expect(client.getState().offset).toBe(1002);
  });

  it('stops as not_found on a 404 poll, and signs out on a 401 poll', async () => {
    const gone = harness({ EventSource: null, output: () => errorResponse(404, 'not_found', 'No session "s1".') });
    gone.client.start();
    await settle();
    expect(gone.client.getState()).toMatchObject({ state: 'not_found', error: 'No session "s1".' });
    const refused = harness({ EventSource: null, output: () => errorResponse(401, 'unauthorized', 'Sign in first.') });
    refused.client.start();
    await settle();
    expect(refused.client.getState()).toMatchObject({ state: 'offline', authRequired: true });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is offline while polls fail or go unanswered for an interval, and polling once one answers', async () => {
    let route: Route = () => errorResponse(500, 'internal', 'Something broke.');
    const { client, states } = harness({ EventSource: null, output: (url, init) => route(url, init) });
    client.start();
    await settle();
    expect(client.getState()).toMatchObject({ state: 'offline', error: 'Something broke.' });
    // Never answers, and rejects once aborted, as a browser's fetch does.
    route = (_url, init) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    await vi.advanceTimersByTimeAsync(4_000);
    expect(client.getState()).toMatchObject({ state: 'offline', error: 'The server did not answer within 2000 ms.' });
    route = () => pollAnswer([]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(client.getState().state).toBe('polling');
    expect(states).toEqual(['offline', 'polling']);
  });
});

describe('switching between stream and polling', () => {
  it('neither repeats nor loses a byte', async () => {
    let refuse = false;
    const { client, sources, requestsOf } = harness({
      jitter: 0,
      streamProbe: () => (refuse ? errorResponse(503, 'too_many_connections', 'Too many streams.', { 'retry-after': '4' }) : new Response('')),
      output: (url) => (url.searchParams.get('after') === '3' ? pollAnswer([chunk('def', 6, 'stderr')]) : pollAnswer([], { offset: 6 })),
    });
    client.start();
    sources.latest().open();
    emitOutput(sources.latest(), 'abc', 3);
    sources.latest().fail(0);
    refuse = true;
    await settle();
    sources.latest().fail();
    await settle();
    expect(requestsOf(POLL)).toEqual([`${POLL}?after=3`]);
    expect(client.getState()).toMatchObject({ state: 'polling', offset: 6 });
    await vi.advanceTimersByTimeAsync(4_000);
    expect(sources.latest().url).toBe(`${STREAM}?lastEventId=6`);
    sources.latest().open();
    emitOutput(sources.latest(), 'ghi', 9);
    expect(shown(client.getState())).toBe('abcdefghi');
    expect(client.getState()).toMatchObject({ state: 'live', offset: 9, keptBytes: 9 });
  });

  it('defers a poll answer that lands while a stream attempt is opening, and drops it once the stream opens', async () => {
    const { client, sources, answer } = await refusedWithPollPending('1', () => pollAnswer([chunk('ab', 2)]));
    expect(sources.instances).toHaveLength(2);
    answer(pollAnswer([chunk('cd', 4)]));
    await settle();
    expect(client.getState().offset).toBe(2);
    sources.latest().open();
    emitOutput(sources.latest(), 'cd', 4);
    expect(shown(client.getState())).toBe('abcd');
  });

  it('applies a poll answer deferred during a stream attempt once that attempt fails', async () => {
    const { client, sources, answer } = await refusedWithPollPending('1', () => pollAnswer([chunk('ab', 2)]));
    answer(pollAnswer([chunk('cd', 4)]));
    await settle();
    expect(client.getState().offset).toBe(2);
    sources.latest().fail();
    expect(client.getState()).toMatchObject({ state: 'polling', offset: 4 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sources.latest().url).toBe(`${STREAM}?lastEventId=4`);
  });
});

describe('pause and resume', () => {
  it('closes the stream on pause() and resumes from the offset', async () => {
    const { client, sources, states } = harness();
    client.start();
    sources.latest().open();
    emitOutput(sources.latest(), 'abc', 3);
    client.pause();
    expect(sources.latest().closed).toBe(true);
    expect(client.getState()).toMatchObject({ state: 'paused', offset: 3, error: null });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(sources.instances).toHaveLength(1);
    client.start();
    expect(sources.instances).toHaveLength(1);
    client.resume();
    expect(sources.latest().url).toBe(`${STREAM}?lastEventId=3`);
    sources.latest().open();
    expect(states).toEqual(['live', 'paused', 'connecting', 'live']);
  });

  it('stops polling on pause() and polls again on resume()', async () => {
    const { client, requestsOf } = harness({ EventSource: null, output: () => pollAnswer([chunk('ab', 2)]) });
    client.start();
    await settle();
    client.pause();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(requestsOf(POLL)).toHaveLength(1);
    client.resume();
    expect(requestsOf(POLL)).toEqual([`${POLL}?after=0`, `${POLL}?after=2`]);
  });

  it('ignores a probe answer that arrives after pause()', async () => {
    let answer: (response: Response) => void = () => {};
    const { client, sources, signalOf } = harness({ streamProbe: () => new Promise<Response>((resolve) => (answer = resolve)) });
    client.start();
    sources.latest().fail();
    client.pause();
    expect(signalOf(STREAM)?.aborted).toBe(true);
    answer(errorResponse(503, 'sse_disabled', 'Off.'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(client.getState().state).toBe('paused');
    expect(vi.getTimerCount()).toBe(0);
    expect(sources.instances).toHaveLength(1);
  });

  it('ignores a poll answer that arrives after pause()', async () => {
    let answer: (response: Response) => void = () => {};
    const { client, signalOf } = harness({ EventSource: null, output: () => new Promise<Response>((resolve) => (answer = resolve)) });
    client.start();
    client.pause();
    expect(signalOf(POLL)?.aborted).toBe(true);
    answer(pollAnswer([chunk('ab', 2)], { ended: true }));
    await settle();
    expect(client.getState()).toMatchObject({ state: 'paused', offset: 0 });
  });
});

describe('races', () => {
  it('stays signed out when a probe answers after a poll’s 401', async () => {
    let answerProbe: (response: Response) => void = () => {};
    let probes = 0;
    let pollStatus = 200;
    const { client, sources, signalOf, requestsOf } = harness({
      jitter: 0,
      streamProbe: () => {
        probes += 1;
        return probes === 1
          ? errorResponse(503, 'sse_disabled', 'Off.', { 'retry-after': '1' })
          : new Promise<Response>((resolve) => (answerProbe = resolve));
      },
      output: () => (pollStatus === 401 ? errorResponse(401, 'unauthorized', 'Sign in first.') : pollAnswer([])),
    });
    client.start();
    sources.latest().fail();
    await settle();
    await vi.advanceTimersByTimeAsync(1_000);
    sources.latest().fail();
    await settle();
    pollStatus = 401;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(client.getState()).toMatchObject({ state: 'offline', authRequired: true });
    expect(signalOf(STREAM)?.aborted).toBe(true);
    answerProbe(new Response('<h1>Bad gateway</h1>', { status: 502 }));
    await settle();
    expect(client.getState()).toMatchObject({ state: 'offline', error: 'Sign in first.', authRequired: true });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sources.instances).toHaveLength(2);
    expect(requestsOf(POLL)).toHaveLength(2);
  });

  it('ignores a poll answer that arrives after the stream opened', async () => {
    const { client, sources, signalOf, answer } = await refusedWithPollPending('2', () => pollAnswer([]));
    sources.latest().open();
    emitOutput(sources.latest(), 'live', 4);
    expect(signalOf(POLL)?.aborted).toBe(true);
    answer(pollAnswer([chunk('poll', 4)], { ended: true }));
    await settle();
    expect(client.getState()).toMatchObject({ state: 'live', offset: 4 });
    expect(shown(client.getState())).toBe('live');
  });
});

describe('listeners that act', () => {
  it('leaves nothing running when a listener pauses or stops it from inside a change', async () => {
    for (const [on, act] of [['live', 'pause'], ['polling', 'stop'], ['connecting', 'stop']] as const) {
      const { client, sources, requestsOf } = harness({
        jitter: 0,
        streamProbe: () => errorResponse(503, 'sse_disabled', 'Off.'),
        output: () => pollAnswer([chunk('ab', 2)]),
      });
      client.start();
      if (on === 'connecting') {
        client.pause();
        client.subscribe((state) => {
          if (state.state === on) client[act]();
        });
        client.resume();
      } else {
        client.subscribe((state) => {
          if (state.state === on) client[act]();
        });
        if (on === 'live') sources.latest().open();
        else sources.latest().fail();
        await settle();
      }
      expect(client.getState().state).toBe(act === 'pause' ? 'paused' : 'offline');
      expect(vi.getTimerCount()).toBe(0);
      const made = sources.instances.length;
      const polled = requestsOf(POLL).length;
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect([sources.instances.length, requestsOf(POLL).length]).toEqual([made, polled]);
      expect(made).toBe(1);
    }
  });
});

describe('lifecycle', () => {
  it('stop() closes the stream, stops polling and every timer, and keeps the output', async () => {
    const { client, sources } = harness({ streamProbe: () => errorResponse(503, 'sse_disabled', 'Off.'), output: () => pollAnswer([chunk('ab', 2)]) });
    client.start();
    sources.latest().fail();
    await settle();
    expect(vi.getTimerCount()).toBe(2);
    client.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(client.getState()).toMatchObject({ state: 'offline', offset: 2, error: null });
    expect(shown(client.getState())).toBe('ab');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sources.instances).toHaveLength(1);
  });

  it('retries at once on reconnect() while waiting', async () => {
    const { client, sources } = harness({ jitter: 0.999 });
    client.start();
    sources.latest().fail();
    await settle();
    client.reconnect();
    expect(sources.instances).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sources.instances).toHaveLength(2);
  });

  it('encodes the session id in both paths', async () => {
    const sources = fakeEventSources();
    const fetch = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => pollAnswer([]));
    const client = createOutputClient({ sessionId: 'a/b c', baseUrl: 'http://sb.test', EventSource: sources.EventSource, fetch, maxStreamFailures: 1, random: () => 0 });
    client.start();
    expect(sources.latest().url).toBe('http://sb.test/api/sse/sessions/a%2Fb%20c/output');
    sources.latest().fail();
    await settle();
    expect(fetch.mock.calls.map(([input]) => String(input))).toEqual([
      'http://sb.test/api/sse/sessions/a%2Fb%20c/output',
      'http://sb.test/api/sessions/a%2Fb%20c/output?after=0',
    ]);
    client.stop();
  });

  it('keeps at most maxTextBytes of output and marks what it dropped', () => {
    const { client, sources } = harness({ maxTextBytes: 8 });
    client.start();
    sources.latest().open();
    emitOutput(sources.latest(), 'aaaa', 4, 'stderr');
    emitOutput(sources.latest(), 'bbbb', 8);
    emitOutput(sources.latest(), 'cccc', 12, 'stderr');
    expect(shown(client.getState())).toBe('[…from 4]bbbbcccc');
    expect(client.getState().keptBytes).toBe(8);
  });

  it('stops announcing to an unsubscribed listener', () => {
    const { client, sources } = harness();
    const listener = vi.fn();
    const unsubscribe = client.subscribe(listener);
    client.start();
    sources.latest().open();
    unsubscribe();
    emitOutput(sources.latest(), 'x', 1);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener.mock.calls[0]?.[1]).toEqual({ type: 'status', state: 'live', error: null });
  });
});
