import type { Session, SessionListResponse } from '@sessionboard/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allEnded, converged, killGroups, list, startInstance } from './clusterHelpers.ts';
import { closeAll, createSession, listen, openStream, send, sendJson, waitFor, type Frame, type TestServer } from './helpers.ts';
import { startRedis, stopRedises, type RedisServer } from './redisServer.ts';

// The stream behaviours of stream.test.ts, run on an instance whose event log is Redis.
const STREAM = '/api/sse/sessions';
let redis: RedisServer;
const started: Session[] = [];

beforeEach(async () => {
  redis = await startRedis();
});

afterEach(async () => {
  await closeAll();
  killGroups(started.splice(0));
  await stopRedises();
});

function start(env: Record<string, string> = {}): Promise<TestServer> {
  return startInstance(redis, 'solo:1', env);
}

/** Creates `count` sessions that exit at once; resolves when all have exited. */
async function runQuickSessions(server: TestServer, count: number): Promise<Session[]> {
  const sessions: Session[] = [];
  for (let i = 0; i < count; i++) sessions.push((await createSession(server, { command: ['true'] })).body);
  await converged([server], 10_000, allEnded);
  return sessions;
}

describe('stream start on Redis', () => {
  it('sends no-buffering headers, then retry: 2000, then a snapshot with the id of the list', async () => {
    const server = await start({ SSE_HEARTBEAT_MS: '15000' });
    started.push((await createSession(server, { command: ['sleep', '30'] })).body);
    const before: SessionListResponse = await list(server);

    const stream = await openStream(`${server.url}${STREAM}`);
    const snapshot = await stream.next((frame) => frame.event === 'snapshot');

    expect(stream.status).toBe(200);
    expect(stream.headers['x-accel-buffering']).toBe('no');
    expect(stream.frames[0]?.raw).toBe('retry: 2000\n\n');
    expect(snapshot.id).toBe(before.lastEventId);
    expect(JSON.parse(snapshot.data ?? '')).toMatchObject({ type: 'snapshot', sessions: before.sessions, heartbeatMs: 15000 });
  });
});

describe('session events on Redis', () => {
  it('streams created, stopping, exited by SIGTERM and removed for a sleep that is deleted twice', async () => {
    const server = await start();
    const client = listen(`${server.url}${STREAM}`);
    await client.waitForCount(1);

    const created = await createSession(server, { command: ['sleep', '30'] });
    started.push(created.body);
    expect((await sendJson<Session>(`${server.url}/api/sessions/${created.body.id}`, 'DELETE')).body.status).toBe('stopping');
    await client.waitForCount(4);
    expect((await send(`${server.url}/api/sessions/${created.body.id}`, { method: 'DELETE' })).status).toBe(204);
    const events = await client.waitForCount(5);

    expect(events.map((e) => `${e.event}:${e.data.session?.status ?? '-'}`)).toEqual([
      'snapshot:-',
      'session_created:running',
      'session_updated:stopping',
      'session_updated:exited',
      'session_removed:exited',
    ]);
    expect(events[3]?.data.session).toMatchObject({ id: created.body.id, signal: 'SIGTERM', exitCode: null, instance: 'solo:1' });
    expect(new Set(events.map((e) => e.id)).size).toBe(5);
  });

  it('streams exit code 3, and a failed session for a command that does not exist', async () => {
    const server = await start();
    const client = listen(`${server.url}${STREAM}`);
    await client.waitForCount(1);

    await createSession(server, { command: ['sh', '-c', 'exit 3'] });
    const failed = await createSession(server, { command: ['sessionboard-no-such-command'] });
    const events = await client.waitForCount(4);

    expect(failed.body).toMatchObject({ status: 'failed', error: 'spawn sessionboard-no-such-command ENOENT' });
    const byType = events.slice(1).map((e) => [e.event, e.data.session?.status, e.data.session?.exitCode]);
    expect(byType).toContainEqual(['session_updated', 'exited', 3]);
    expect(byType).toContainEqual(['session_created', 'failed', null]);
  });
});

describe('resume on Redis', () => {
  it('replays exactly the missed events after the Last-Event-ID header, with their ids, and no snapshot', async () => {
    const server = await start();
    const watcher = listen(`${server.url}${STREAM}`);
    await watcher.waitForCount(1);
    const { lastEventId } = await list(server);
    await runQuickSessions(server, 2);
    const seen = await watcher.waitForCount(5);

    const stream = await openStream(`${server.url}${STREAM}`, { 'Last-Event-ID': lastEventId });
    await stream.next((frame) => frame.id === seen[4]?.id);

    expect(stream.frames.map((frame) => frame.retry ?? `${frame.event}@${frame.id}`)).toEqual([2000, ...seen.slice(1).map((e) => `${e.event}@${e.id}`)]);
    expect(server.broker.stats().resumesReplayed).toBe(1);
  });

  it('prefers the Last-Event-ID header to the query parameter', async () => {
    const server = await start();
    const first = (await list(server)).lastEventId;
    await runQuickSessions(server, 1);
    const second = (await list(server)).lastEventId;
    await runQuickSessions(server, 1);

    const stream = await openStream(`${server.url}${STREAM}?lastEventId=${encodeURIComponent(first)}`, { 'Last-Event-ID': second });
    await stream.next((frame) => frame.event === 'session_updated');

    expect(stream.frames.map((frame) => frame.event ?? 'retry')).toEqual(['retry', 'session_created', 'session_updated']);
  });

  it('sends a snapshot when the id has left the replay window', async () => {
    const server = await start({ SSE_REPLAY_EVENTS: '2' });
    const { lastEventId } = await list(server);
    await runQuickSessions(server, 2);

    const stream = await openStream(`${server.url}${STREAM}`, { 'Last-Event-ID': lastEventId });
    const snapshot = await stream.next((frame) => frame.event === 'snapshot');

    expect(JSON.parse(snapshot.data ?? '').sessions).toHaveLength(2);
    expect(stream.frames.map((frame) => frame.event ?? 'retry')).toEqual(['retry', 'snapshot']);
  });

  it('lets the eventsource client resume by itself, past pings, after the server drops the stream', async () => {
    const server = await start({ SSE_HEARTBEAT_MS: '200' });
    const client = listen(`${server.url}${STREAM}`);
    const [snapshot, ping] = await client.waitForCount(2, 2000);
    expect(ping).toMatchObject({ event: 'ping', id: '' });
    server.server.closeAllConnections();
    await runQuickSessions(server, 1);

    await waitFor(() => (client.events.filter((e) => e.event !== 'ping').length >= 3 ? true : undefined), 8000);

    const changes = client.events.filter((e) => e.event !== 'ping');
    expect(changes.map((e) => e.event)).toEqual(['snapshot', 'session_created', 'session_updated']);
    expect(changes[0]?.id).toBe(snapshot?.id);
    expect(server.broker.stats()).toMatchObject({ resumesReplayed: 1, resumesUnknownId: 0 });
  });
});

describe('heartbeat on Redis', () => {
  it('pings an idle stream with a ping event and no id line', async () => {
    const server = await start({ SSE_HEARTBEAT_MS: '200' });
    const stream = await openStream(`${server.url}${STREAM}`);

    const ping: Frame = await stream.next((frame) => frame.event === 'ping', { timeoutMs: 2000 });

    expect(ping.raw).toMatch(/^event: ping\ndata: \{"type":"ping","at":\d+\}\n\n$/);
  });
});
