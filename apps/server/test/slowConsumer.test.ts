import { connect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Session, SessionListResponse } from '@sessionboard/protocol';
import type { LoggedEvent } from '@sessionboard/sse-broker';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import {
  closeAll,
  createSession,
  openStream,
  parseFrame,
  sendJson,
  startServer,
  waitFor,
  type Frame,
  type TestServer,
} from './helpers.ts';

const fastClients: { close(): void }[] = [];

afterEach(async () => {
  for (const client of fastClients.splice(0)) client.close();
  await closeAll();
});

const EVENTS = 10_000;
const BATCH = 200;
/** The broker's default `maxBufferedBytes`. */
const MAX_BUFFERED_BYTES = 256 * 1024;
/** `0\r\n\r\n`: closing the stream ends its chunked body before the socket is destroyed. */
const LAST_CHUNK = 5;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A client that sends its request and then reads nothing until told to. */
function stalledStream(server: TestServer): { socket: Socket; received: () => Buffer; ended: Promise<void> } {
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
  socket.pause();
  socket.on('error', () => {});
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write('GET /api/sse/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
  return { socket, received: () => Buffer.concat(chunks), ended };
}

/** The complete frames of a chunked `text/event-stream` response, however it was cut off. */
function framesOf(response: Buffer): Frame[] {
  const headerEnd = response.indexOf('\r\n\r\n');
  let at = headerEnd + 4;
  const body: Buffer[] = [];
  for (;;) {
    const lineEnd = response.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(response.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0) || lineEnd + 2 + size > response.length) break;
    body.push(response.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  const text = Buffer.concat(body).toString('utf8');
  const complete = text.slice(0, text.lastIndexOf('\n\n') + 2);
  return complete.split('\n\n').slice(0, -1).map(parseFrame);
}

/** Applies snapshot and change frames to a list, like a client does; returns the last id. */
function apply(sessions: Map<string, Session>, frames: Frame[], lastEventId?: string): string | undefined {
  for (const frame of frames) {
    if (frame.data === undefined || frame.event === 'ping') continue;
    const data = JSON.parse(frame.data) as { type: string; session?: Session; sessions?: Session[] };
    if (data.type === 'snapshot') {
      sessions.clear();
      for (const session of data.sessions ?? []) sessions.set(session.id, session);
    } else if (data.type === 'session_removed') {
      sessions.delete(data.session?.id as string);
    } else {
      sessions.set(data.session?.id as string, data.session as Session);
    }
    lastEventId = frame.id ?? lastEventId;
  }
  return lastEventId;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

/** A flat copy: a substring would keep the whole chunk of the stream it was cut from alive. */
const copyOf = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

/** The real `eventsource` client keeping only the ids it sees, so that it adds little to the heap measured. */
function fastClient(url: string): { ids: string[]; close(): void } {
  const source = new EventSource(url);
  const ids: string[] = [];
  for (const name of ['snapshot', 'session_created', 'session_updated', 'session_removed']) {
    source.addEventListener(name, (message) => ids.push(copyOf(message.lastEventId)));
  }
  const client = { ids, close: () => source.close() };
  fastClients.push(client);
  return client;
}

const byId = (sessions: Iterable<Session>) => [...sessions].sort((a, b) => a.id.localeCompare(b.id));

async function runSlowConsumer(replayEvents: number) {
  const server = await startServer({ SSE_REPLAY_EVENTS: String(replayEvents), SESSIONS_KEEP_ENDED: '4' });
  // Sessions as a CI box runs them: a long argv makes a session_updated frame about 1 KiB.
  const flags = [
    '--scenario=fanout-10k-clients',
    '--report=/srv/ci/artifacts/sessionboard/bench/2025-11-23T11-40-00Z/report.json',
    '--baseline=/srv/ci/artifacts/sessionboard/bench/main/latest/report.json',
    '--profile=/srv/ci/artifacts/sessionboard/bench/2025-11-23T11-40-00Z/cpu.cpuprofile',
    '--env=SSE_MAX_CONNECTIONS=20000,SSE_HEARTBEAT_MS=15000,SSE_REPLAY_EVENTS=1000',
    '--fail-on-regression=p99:+15%,rss:+20%',
  ];
  const commands = [
    ['sh', '-c', 'exec sleep 30', 'bench-runner', ...flags],
    ['sh', '-c', 'exec sleep 31', 'bench-runner', ...flags.slice(1)],
    ['sh', '-c', 'exec sleep 32', 'bench-runner', ...flags.slice(2)],
  ];
  const sessions: Session[] = [];
  for (const [i, command] of commands.entries()) {
    sessions.push((await createSession(server, { command, name: `nightly build ${i + 1}` })).body);
  }
  const serverSockets: Socket[] = [];
  server.server.on('connection', (socket) => serverSockets.push(socket));
  const fast = fastClient(`${server.url}/api/sse/sessions`);
  await waitFor(() => (fast.ids.length === 1 ? true : undefined));

  const slow = stalledStream(server);
  await waitFor(() => (server.broker.connectionCount === 2 ? true : undefined));
  const slowServerSide = serverSockets.at(-1) as Socket;
  let bufferedAtClose = -1;
  const destroy = slowServerSide.destroy.bind(slowServerSide);
  slowServerSide.destroy = (error?: Error) => {
    if (bufferedAtClose < 0) bufferedAtClose = slowServerSide.writableLength;
    return destroy(error);
  };

  const heapBefore = heapUsed();
  const { rss: rssBefore, external: externalBefore } = process.memoryUsage();
  const publishedIds: string[] = [];
  let maxBuffered = 0;
  let largestChunk = 0;
  let publishedAtClose = -1;
  for (let batch = 0; batch < EVENTS / BATCH; batch++) {
    // Real changes among the published ones: one session stopped, one started.
    if (batch === 10) await sendJson(`${server.url}/api/sessions/${sessions[0]?.id}`, 'DELETE');
    if (batch === 45) sessions.push((await createSession(server, { command: ['sh', '-c', 'exec sleep 33', 'bench-runner', ...flags], name: 'nightly build 4' })).body);
    for (let i = 0; i < BATCH; i++) {
      const live = server.manager.list().filter((s) => s.status === 'running');
      const session = live[i % live.length] as Session;
      const logged = server.broker.publish('session_updated', JSON.stringify({ type: 'session_updated', session, at: Date.now() })) as LoggedEvent;
      publishedIds.push(logged.id);
      // The frame as a chunk of the chunked body: hex size, CRLF, frame, CRLF.
      largestChunk = Math.max(largestChunk, logged.frame.length + logged.frame.length.toString(16).length + 4);
      if (!slowServerSide.destroyed) maxBuffered = Math.max(maxBuffered, slowServerSide.writableLength);
      else if (publishedAtClose < 0) publishedAtClose = publishedIds.length;
    }
    // The fast client keeps up: each batch is read before the next is published.
    const last = publishedIds.at(-1);
    await waitFor(() => (fast.ids.findLast((id) => id === last) ? true : undefined), 10_000);
  }
  const heapDelta = heapUsed() - heapBefore;
  const { rss, external } = process.memoryUsage();
  const rssDelta = rss - rssBefore;
  const externalDelta = external - externalBefore;

  slow.socket.resume();
  await slow.ended;
  const slowFrames = framesOf(slow.received());
  const slowView = new Map<string, Session>();
  const slowLastId = apply(slowView, slowFrames);
  const list = (await sendJson<SessionListResponse>(`${server.url}/api/sessions`, 'GET')).body;
  const resumed = await openStream(`${server.url}/api/sse/sessions`, { 'Last-Event-ID': slowLastId as string });

  console.log(
    `slow consumer, SSE_REPLAY_EVENTS=${replayEvents}: closed after ${publishedAtClose} of ${EVENTS} events with ` +
      `${bufferedAtClose} bytes queued (limit ${MAX_BUFFERED_BYTES} + largest chunk ${largestChunk}); ` +
      `most queued while open ${maxBuffered}; it had received ${slowFrames.length} frames; ` +
      `process deltas after GC: heap ${kib(heapDelta)}, external ${kib(externalDelta)}, RSS ${kib(rssDelta)}`,
  );
  return { server, fast, slowServerSide, publishedIds, slowFrames, slowView, slowLastId, resumed, list, bufferedAtClose, maxBuffered, largestChunk, publishedAtClose, heapDelta, externalDelta };
}

describe('slow consumer', () => {
  it('disconnects a client that stops reading during 10 000 events at most one frame over the limit, and resumes it by snapshot', async () => {
    const run = await runSlowConsumer(1000);
    const { server, fast, publishedIds, slowLastId, resumed, list } = run;

    expect(server.broker.stats()).toMatchObject({ slowClosed: 1, connections: 2, resumesUnknownId: 1, resumesReplayed: 0 });
    expect(run.publishedAtClose).toBeGreaterThan(0);
    expect(run.bufferedAtClose).toBeGreaterThan(MAX_BUFFERED_BYTES);
    expect(run.bufferedAtClose).toBeLessThanOrEqual(MAX_BUFFERED_BYTES + run.largestChunk + LAST_CHUNK);
    expect(run.maxBuffered).toBeLessThanOrEqual(MAX_BUFFERED_BYTES);
    expect(run.slowServerSide.destroyed).toBe(true);
    expect(run.slowServerSide.writableLength).toBe(0);
    // What stays is the window of 1000 events (~1.2 MiB of heap for their data, ~2 MiB of
    // Buffers for frame and chunk) and this test's record of 2 × 10 000 ids: nothing of the
    // ~4 MiB the dropped client never read.
    expect(run.externalDelta).toBeLessThan(3 * 1024 * 1024);
    expect(run.heapDelta).toBeLessThan(6 * 1024 * 1024);
    const published = new Set(publishedIds);
    expect(fast.ids.filter((id) => published.has(id))).toEqual(publishedIds);
    const allIds = fast.ids.slice(1);
    expect(new Set(allIds).size).toBe(allIds.length);
    // It missed more events than the window of 1000 holds.
    expect(allIds.length - 1 - allIds.indexOf(slowLastId as string)).toBeGreaterThan(1000);

    const snapshot = await resumed.next((frame) => frame.event === 'snapshot');
    expect(resumed.frames.map((f) => f.event ?? 'retry')).toEqual(['retry', 'snapshot']);
    expect(snapshot.id).toBe(list.lastEventId);
    const view = new Map(run.slowView);
    apply(view, [snapshot]);
    expect(byId(view.values())).toEqual(byId(list.sessions));
    expect(byId(run.slowView.values())).not.toEqual(byId(list.sessions));
  });

  it('disconnects a client that stops reading during 10 000 events and resumes it with a replay of exactly what it missed', async () => {
    const run = await runSlowConsumer(20_000);
    const { server, fast, publishedIds, slowLastId, resumed, list } = run;

    expect(server.broker.stats()).toMatchObject({ slowClosed: 1, connections: 2, resumesUnknownId: 0, resumesReplayed: 1 });
    expect(run.bufferedAtClose).toBeGreaterThan(MAX_BUFFERED_BYTES);
    expect(run.bufferedAtClose).toBeLessThanOrEqual(MAX_BUFFERED_BYTES + run.largestChunk + LAST_CHUNK);
    expect(run.maxBuffered).toBeLessThanOrEqual(MAX_BUFFERED_BYTES);
    const published = new Set(publishedIds);
    expect(fast.ids.filter((id) => published.has(id))).toEqual(publishedIds);

    // Every event after the last one the slow client saw, in order, with its original id:
    // more than the default window of 1000 would hold.
    const allIds = fast.ids.slice(1);
    const expectedIds = allIds.slice(allIds.indexOf(slowLastId as string) + 1);
    expect(expectedIds.length).toBeGreaterThan(1000);
    await resumed.next((frame) => frame.id === list.lastEventId, { timeoutMs: 10_000 });
    expect(resumed.frames.slice(1).map((f) => f.id)).toEqual(expectedIds);
    expect(resumed.frames.some((f) => f.event === 'snapshot')).toBe(false);
    const view = new Map(run.slowView);
    apply(view, resumed.frames);
    expect(byId(view.values())).toEqual(byId(list.sessions));
  });
});
