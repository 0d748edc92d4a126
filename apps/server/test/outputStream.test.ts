import type { OutputChunk, OutputEndEvent, Session } from '@sessionboard/protocol';
import { sessionOutputStreamPath } from '@sessionboard/protocol';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import {
  closeAll,
  createSession,
  errorOf,
  openStream,
  send,
  startServer,
  waitFor,
  type Frame,
  type RawStream,
  type TestServer,
} from './helpers.ts';

afterEach(closeAll);

const TOKEN = 'a-test-token-of-enough-length';

const streamUrl = (server: TestServer, id: string, query = '') => `${server.url}${sessionOutputStreamPath(id)}${query}`;

/** The frames of a stream that has ended, without `retry:`. */
async function framesToEnd(stream: RawStream, timeoutMs = 10_000): Promise<Frame[]> {
  await stream.next((frame) => frame.event === 'end', { timeoutMs });
  await stream.ended;
  return stream.frames.filter((frame) => frame.retry === undefined);
}

const data = <T>(frame: Frame | undefined) => JSON.parse(frame?.data ?? 'null') as T;

async function ended(server: TestServer, id: string): Promise<void> {
  await waitFor(() => (server.output.source(id)?.ended ? true : undefined), 10_000);
}

describe('starting the stream', () => {
  it('sends the sessions stream headers, retry: 2000, then output with offsets as ids, then end, and closes', async () => {
    const server = await startServer();
    const { body: session } = await createSession(server, { command: ['sh', '-c', 'echo out; sleep 0.2; echo err >&2'] });

    const stream = await openStream(streamUrl(server, session.id));
    const frames = await framesToEnd(stream);

    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream(;|$)/);
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
    expect(stream.headers['x-accel-buffering']).toBe('no');
    expect(stream.headers['content-encoding']).toBeUndefined();
    expect(stream.headers.ratelimit).toBeUndefined();
    expect(stream.frames[0]?.raw).toBe('retry: 2000\n\n');
    expect(frames.map((frame) => frame.raw).slice(0, 2)).toEqual([
      'id: 4\nevent: output\ndata: {"stream":"stdout","text":"out\\n","offset":4}\n\n',
      'id: 8\nevent: output\ndata: {"stream":"stderr","text":"err\\n","offset":8}\n\n',
    ]);
    const end = data<OutputEndEvent>(frames[2]);
    expect(frames).toHaveLength(3);
    expect(frames[2]?.event).toBe('end');
    expect(frames[2]?.id).toBeUndefined();
    expect(end).toEqual({ type: 'end', session: server.manager.get(session.id), offset: 8 });
    expect(end.session).toMatchObject({ status: 'exited', exitCode: 0 });
  });

  it('answers 404 not_found as JSON before any stream for an unknown session', async () => {
    const server = await startServer();

    const reply = await send(streamUrl(server, 'nope'));

    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(errorOf(reply)).toEqual({ code: 'not_found', message: 'No session has the id "nope".' });
  });

  it('sends a complete output and end at once for a session that has ended', async () => {
    const server = await startServer();
    const { body: session } = await createSession(server, { command: ['echo', 'done'] });
    await ended(server, session.id);

    const frames = await framesToEnd(await openStream(streamUrl(server, session.id)));

    expect(frames.map((frame) => frame.event)).toEqual(['output', 'end']);
    expect(data<OutputChunk>(frames[0])).toEqual({ stream: 'stdout', text: 'done\n', offset: 5 });
  });

  it('ends at once, with no output, for a session that failed to start', async () => {
    const server = await startServer();
    const { body: session } = await createSession(server, { command: ['no-such-command-here'] });

    const frames = await framesToEnd(await openStream(streamUrl(server, session.id)));

    expect(session.status).toBe('failed');
    expect(frames.map((frame) => frame.event)).toEqual(['end']);
    expect(data<OutputEndEvent>(frames[0])).toEqual({ type: 'end', session, offset: 0 });
  });

  it('starts with truncated when older output was dropped, then all that is kept', async () => {
    const server = await startServer({ SESSIONS_OUTPUT_BYTES: '1024' });
    const { body: session } = await createSession(server, { command: ['head', '-c', '3000', '/dev/zero'] });
    await ended(server, session.id);

    const frames = await framesToEnd(await openStream(streamUrl(server, session.id)));

    expect(frames.map((frame) => frame.event)).toEqual(['truncated', 'output', 'end']);
    expect(frames[0]?.raw).toBe('event: truncated\ndata: {"type":"truncated","from":1976}\n\n');
    expect(data<OutputChunk>(frames[1])).toEqual({ stream: 'stdout', text: '\0'.repeat(1024), offset: 3000 });
    expect(data<OutputEndEvent>(frames[2]).offset).toBe(3000);
  });
});

describe('resuming', () => {
  it('sends exactly the output after Last-Event-ID, or ?lastEventId=', async () => {
    const server = await startServer();
    const { body: session } = await createSession(server, { command: ['sh', '-c', 'echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three'] });
    await ended(server, session.id);

    const byHeader = await framesToEnd(await openStream(streamUrl(server, session.id), { 'Last-Event-ID': '4' }));
    const byQuery = await framesToEnd(await openStream(streamUrl(server, session.id, '?lastEventId=8')));

    expect(byHeader.map((frame) => frame.data).slice(0, -1)).toEqual([
      '{"stream":"stderr","text":"two\\n","offset":8}',
      '{"stream":"stdout","text":"three\\n","offset":14}',
    ]);
    expect(byQuery.map((frame) => frame.data).slice(0, -1)).toEqual(['{"stream":"stdout","text":"three\\n","offset":14}']);
  });

  it('sends truncated, then all that is kept, to an id older than the kept window', async () => {
    const server = await startServer({ SESSIONS_OUTPUT_BYTES: '1024' });
    const { body: session } = await createSession(server, { command: ['head', '-c', '3000', '/dev/zero'] });
    await ended(server, session.id);

    const frames = await framesToEnd(await openStream(streamUrl(server, session.id), { 'Last-Event-ID': '1000' }));

    expect(frames.map((frame) => frame.event)).toEqual(['truncated', 'output', 'end']);
    expect(data<{ from: number }>(frames[0]).from).toBe(1976);
  });

  it('treats an id that is not an offset as none, and an id past the end as the end', async () => {
    const server = await startServer();
    const { body: session } = await createSession(server, { command: ['echo', 'hi'] });
    await ended(server, session.id);

    const garbage = await framesToEnd(await openStream(streamUrl(server, session.id), { 'Last-Event-ID': 'not-an-offset' }));
    const past = await framesToEnd(await openStream(streamUrl(server, session.id), { 'Last-Event-ID': '99' }));

    expect(garbage.map((frame) => frame.event)).toEqual(['output', 'end']);
    expect(past.map((frame) => frame.event)).toEqual(['end']);
    expect(data<OutputEndEvent>(past[0]).offset).toBe(3);
  });

  it('lets a real EventSource follow live output and resume by itself exactly where it left off', async () => {
    const server = await startServer();
    const { body: session } = await createSession(server, {
      command: ['sh', '-c', 'echo first; sleep 1; echo second; sleep 3; echo third'],
    });
    const source = new EventSource(streamUrl(server, session.id));
    const received: { event: string; id: string; data: string }[] = [];
    const done = new Promise<void>((resolve) => {
      source.addEventListener('output', (message) => received.push({ event: 'output', id: message.lastEventId, data: message.data }));
      // PROTOCOL.md: after end the server closes and a client does not reconnect.
      source.addEventListener('end', (message) => {
        received.push({ event: 'end', id: message.lastEventId, data: message.data });
        source.close();
        resolve();
      });
    });
    try {
      await waitFor(() => (received.length === 1 ? true : undefined));
      // Cut every connection: the client reconnects after its retry (2 s) with Last-Event-ID.
      server.server.closeAllConnections();
      await done;
    } finally {
      source.close();
    }

    const outputs = received.filter((event) => event.event === 'output');
    expect(outputs[0]).toEqual({ event: 'output', id: '6', data: '{"stream":"stdout","text":"first\\n","offset":6}' });
    expect(outputs.map((event) => (JSON.parse(event.data) as OutputChunk).text).join('')).toBe('first\nsecond\nthird\n');
    expect(outputs.at(-1)?.id).toBe('19');
    expect(JSON.parse(received.at(-1)?.data ?? '')).toMatchObject({ type: 'end', offset: 19 });
  });
});

describe('live output', () => {
  it('sends each line of a process that prints slowly in an event of its own, as it comes', async () => {
    const server = await startServer();
    const { body: session } = await createSession(server, {
      command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo "tick $i"; sleep 0.3; done'],
    });
    const stream = await openStream(streamUrl(server, session.id));
    const arrivals: number[] = [];
    for (let i = 1; i <= 5; i++) {
      await stream.next((frame) => frame.data?.includes(`tick ${i}`) ?? false, { timeoutMs: 5000 });
      arrivals.push(Date.now());
    }

    const frames = await framesToEnd(stream);

    // Lines 300 ms apart arrive in their own events, about 300 ms apart.
    expect(frames.filter((frame) => frame.event === 'output')).toHaveLength(5);
    for (let i = 1; i < arrivals.length; i++) {
      expect((arrivals[i] as number) - (arrivals[i - 1] as number)).toBeGreaterThan(150);
    }
  });

  it('never splits a character between two events, even when the process does', async () => {
    const server = await startServer();
    const { body: session } = await createSession(server, {
      command: ['sh', '-c', "printf 'a\\342\\202'; sleep 0.3; printf '\\254b\\360\\237'; sleep 0.3; printf '\\230\\200\\n'"],
    });

    const frames = await framesToEnd(await openStream(streamUrl(server, session.id)));

    expect(frames.filter((frame) => frame.event === 'output').map((frame) => data<OutputChunk>(frame))).toEqual([
      { stream: 'stdout', text: 'a', offset: 1 },
      { stream: 'stdout', text: '€b', offset: 5 },
      { stream: 'stdout', text: '😀\n', offset: 10 },
    ]);
  });

  it('sends end about a second after the process exits when something it started keeps its pipe open', async () => {
    const server = await startServer();
    // setsid: the sleep leaves the session's process group (whose members keep a session
    // live) but keeps its stdout, so only the pipe stays open after the group is empty.
    const { body: session } = await createSession(server, { command: ['sh', '-c', 'setsid sleep 8 & echo leader done'] });
    const stream = await openStream(streamUrl(server, session.id));
    await waitFor(() => (server.manager.get(session.id)?.status === 'exited' ? true : undefined));
    const exitedAt = Date.now();

    const frames = await framesToEnd(stream, 5000);
    const waitedMs = Date.now() - exitedAt;

    expect(frames.map((frame) => frame.event)).toEqual(['output', 'end']);
    expect(data<OutputEndEvent>(frames[1]).session.status).toBe('exited');
    expect(waitedMs).toBeGreaterThan(500);
    expect(waitedMs).toBeLessThan(4000);
  });

  it('pings an idle output stream with no id', async () => {
    const server = await startServer({ SSE_HEARTBEAT_MS: '200' });
    const { body: session } = await createSession(server, { command: ['sleep', '30'] });

    const stream = await openStream(streamUrl(server, session.id));
    const ping = await stream.next((frame) => frame.event === 'ping', { timeoutMs: 3000 });

    expect(ping.id).toBeUndefined();
    expect(data<{ type: string; at: number }>(ping)).toEqual({ type: 'ping', at: expect.any(Number) });
  });
});

describe('admission', () => {
  it('answers 503 sse_disabled when SSE_ENABLED is false', async () => {
    const server = await startServer({ SSE_ENABLED: 'false' });
    const { body: session } = await createSession(server, { command: ['sleep', '30'] });

    const reply = await send(streamUrl(server, session.id));

    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('60');
    expect(errorOf(reply).code).toBe('sse_disabled');
  });

  it('counts output streams with the sessions streams against SSE_MAX_CONNECTIONS', async () => {
    const server = await startServer({ SSE_MAX_CONNECTIONS: '2' });
    const { body: session } = await createSession(server, { command: ['sleep', '30'] });
    await openStream(`${server.url}/api/sse/sessions`);
    const first = await openStream(streamUrl(server, session.id));

    const refused = await send(streamUrl(server, session.id));

    expect(first.status).toBe(200);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(errorOf(refused).code).toBe('too_many_connections');
  });

  it('needs the token like every stream, and is not rate limited', async () => {
    const server = await startServer({ AUTH_TOKEN: TOKEN, RATE_LIMIT_PER_MINUTE: '1' });
    const bearer = { Authorization: `Bearer ${TOKEN}` };
    const created = await send(`${server.url}/api/sessions`, {
      method: 'POST',
      headers: { ...bearer, 'Content-Type': 'application/json' },
      body: JSON.stringify({ command: ['sleep', '30'] }),
    });
    const session = JSON.parse(created.text) as Session;

    const anonymous = await send(streamUrl(server, session.id));
    const streams = [];
    for (let i = 0; i < 3; i++) streams.push(await openStream(streamUrl(server, session.id), bearer));

    expect(anonymous.status).toBe(401);
    expect(errorOf(anonymous).code).toBe('unauthorized');
    expect(streams.map((stream) => stream.status)).toEqual([200, 200, 200]);
  });
});

describe('metrics and shutdown', () => {
  it('exposes output streams open and bytes kept', async () => {
    const server = await startServer();
    const { body: session } = await createSession(server, { command: ['sh', '-c', 'echo hello; exec sleep 30'] });
    await waitFor(() => (server.output.source(session.id)?.end === 6 ? true : undefined));
    await openStream(streamUrl(server, session.id));

    const metrics = (await send(`${server.url}/metrics`)).text;

    expect(metrics).toMatch(/^output_streams_open 1$/m);
    expect(metrics).toMatch(/^output_bytes_kept\{storage="memory"\} 6$/m);
    expect(metrics).toMatch(/^output_bytes_kept\{storage="disk"\} 0$/m);
    expect(metrics).toMatch(/^output_events_sent_total 1$/m);
  });

  it('ends open output streams when the app closes', async () => {
    const server = await startServer();
    const { body: session } = await createSession(server, { command: ['sleep', '30'] });
    const stream = await openStream(streamUrl(server, session.id));

    await server.close();
    await stream.ended;

    expect(server.outputStreams.count).toBe(0);
  });
});
