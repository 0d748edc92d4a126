import type { Session } from '@sessionboard/protocol';
import { describe, expect, it } from 'vitest';
import { allEnded, converged, list } from './clusterHelpers.ts';
import { createSession, listen, openStream, send, sendJson, waitFor, type Frame, type TestServer } from './helpers.ts';

/** How a run of {@link describeStreamBehaviours} starts the server under test. */
export interface StreamTarget {
  /** Appended to each `describe` name, e.g. `' on Redis'`. */
  suffix: string;
  /** Starts a server with `env` on top of the target's own; the caller's afterEach closes it. */
  start(env?: Record<string, string>): Promise<TestServer>;
  /** Told of each session a case leaves running, e.g. to kill what a closed instance leaves behind. */
  started(session: Session): void;
}

const STREAM = '/api/sse/sessions';

/**
 * The behaviours of `GET /api/sse/sessions` every way of running the server must keep:
 * stream start, session events, resume and heartbeat, each checked on a real socket with
 * raw frames or the real `eventsource` client. Call it at the top level of a test file
 * whose hooks start and clean up what `target` needs.
 */
export function describeStreamBehaviours(target: StreamTarget): void {
  /** Creates `count` sessions that exit at once; resolves when all have exited. */
  async function runQuickSessions(server: TestServer, count: number): Promise<Session[]> {
    const sessions: Session[] = [];
    for (let i = 0; i < count; i++) sessions.push((await createSession(server, { command: ['true'] })).body);
    await converged([server], 10_000, allEnded);
    return sessions;
  }

  describe(`stream start${target.suffix}`, () => {
    it('sends no-buffering headers, then retry: 2000, then a snapshot with the id of the list', async () => {
      const server = await target.start({ SSE_HEARTBEAT_MS: '15000' });
      target.started((await createSession(server, { command: ['sleep', '30'] })).body);
      const before = await list(server);

      const stream = await openStream(`${server.url}${STREAM}`);
      const snapshot = await stream.next((frame) => frame.event === 'snapshot');

      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream(;|$)/);
      expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
      expect(stream.headers['x-accel-buffering']).toBe('no');
      expect(stream.headers['content-encoding']).toBeUndefined();
      expect(stream.frames[0]?.raw).toBe('retry: 2000\n\n');
      expect(snapshot.id).toBe(before.lastEventId);
      expect(snapshot.raw.startsWith(`id: ${before.lastEventId}\nevent: snapshot\ndata: {"type":"snapshot","sessions":[`)).toBe(true);
      const data = JSON.parse(snapshot.data ?? '') as { sessions: Session[]; heartbeatMs: number; at: number };
      expect(data).toMatchObject({ type: 'snapshot', sessions: before.sessions, heartbeatMs: 15000 });
      expect(data.sessions).toEqual(before.sessions);
      expect(data.heartbeatMs).toBe(15000);
      expect(Math.abs(data.at - Date.now())).toBeLessThan(5000);
    });
  });

  describe(`session events${target.suffix}`, () => {
    it('streams created, stopping, exited by SIGTERM and removed for a sleep that is deleted twice', async () => {
      const server = await target.start();
      const client = listen(`${server.url}${STREAM}`);
      await client.waitForCount(1);

      const created = await createSession(server, { command: ['sleep', '30'] });
      target.started(created.body);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ status: 'running', name: 'sleep', cwd: server.fsRoot });
      const stopping = await sendJson<Session>(`${server.url}/api/sessions/${created.body.id}`, 'DELETE');
      expect(stopping.status).toBe(202);
      expect(stopping.body.status).toBe('stopping');
      await client.waitForCount(4);
      const removed = await send(`${server.url}/api/sessions/${created.body.id}`, { method: 'DELETE' });
      expect(removed.status).toBe(204);
      const events = await client.waitForCount(5);

      expect(events.map((e) => `${e.event}:${e.data.session?.status ?? '-'}`)).toEqual([
        'snapshot:-',
        'session_created:running',
        'session_updated:stopping',
        'session_updated:exited',
        'session_removed:exited',
      ]);
      const exited = events[3]?.data.session;
      expect(exited).toMatchObject({
        id: created.body.id,
        pid: created.body.pid,
        signal: 'SIGTERM',
        exitCode: null,
        instance: server.config.instanceName,
      });
      expect(exited?.endedAt).toEqual(expect.any(String));
      expect(events.every((e) => e.data.type === e.event)).toBe(true);
      expect(new Set(events.map((e) => e.id)).size).toBe(5);
    });

    it('streams exited with exit code 3 for sh -c "exit 3"', async () => {
      const server = await target.start();
      const client = listen(`${server.url}${STREAM}`);
      await client.waitForCount(1);

      const created = await createSession(server, { command: ['sh', '-c', 'exit 3'], name: 'three' });
      const events = await client.waitForCount(3);

      expect(created.body.name).toBe('three');
      expect(events.slice(1).map((e) => e.event)).toEqual(['session_created', 'session_updated']);
      expect(events[2]?.data.session).toMatchObject({ id: created.body.id, status: 'exited', exitCode: 3, signal: null, error: null });
    });

    it('answers 201 with a failed session and streams it for a command that does not exist', async () => {
      const server = await target.start();
      const client = listen(`${server.url}${STREAM}`);
      await client.waitForCount(1);

      const created = await createSession(server, { command: ['sessionboard-no-such-command', '-x'] });
      const events = await client.waitForCount(2);

      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ status: 'failed', pid: null, error: 'spawn sessionboard-no-such-command ENOENT' });
      expect(created.body.endedAt).toEqual(expect.any(String));
      expect(events[1]?.event).toBe('session_created');
      expect(events[1]?.data.session).toEqual(created.body);
    });

    it('streams exit code 3, and a failed session for a command that does not exist', async () => {
      const server = await target.start();
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

  describe(`resume${target.suffix}`, () => {
    it('replays exactly the missed events after the Last-Event-ID header, with their ids, and no snapshot', async () => {
      const server = await target.start();
      const watcher = listen(`${server.url}${STREAM}`);
      await watcher.waitForCount(1);
      const { lastEventId } = await list(server);
      await runQuickSessions(server, 2);
      const seen = await watcher.waitForCount(5);

      const stream = await openStream(`${server.url}${STREAM}`, { 'Last-Event-ID': lastEventId });
      await stream.next((frame) => frame.id === seen[4]?.id);

      expect(stream.frames.map((frame) => frame.retry ?? `${frame.event}@${frame.id}`)).toEqual([
        2000,
        ...seen.slice(1).map((e) => `${e.event}@${e.id}`),
      ]);
      expect(stream.frames.some((frame) => frame.event === 'snapshot')).toBe(false);
      expect(server.broker.stats().resumesReplayed).toBe(1);
    });

    it('replays after ?lastEventId= for a client that cannot set headers', async () => {
      const server = await target.start();
      const { lastEventId } = await list(server);
      const [session] = await runQuickSessions(server, 1);

      const stream = await openStream(`${server.url}${STREAM}?lastEventId=${encodeURIComponent(lastEventId)}`);
      const exited = await stream.next((frame) => frame.event === 'session_updated');

      expect(stream.frames.map((frame) => frame.event ?? 'retry')).toEqual(['retry', 'session_created', 'session_updated']);
      expect(JSON.parse(exited.data ?? '')).toMatchObject({ type: 'session_updated', session: { id: session?.id, status: 'exited' } });
    });

    it('prefers the Last-Event-ID header to the query parameter', async () => {
      const server = await target.start();
      const first = (await list(server)).lastEventId;
      await runQuickSessions(server, 1);
      const second = (await list(server)).lastEventId;
      await runQuickSessions(server, 1);

      const stream = await openStream(`${server.url}${STREAM}?lastEventId=${encodeURIComponent(first)}`, { 'Last-Event-ID': second });
      await stream.next((frame) => frame.event === 'session_updated');

      expect(stream.frames.map((frame) => frame.event ?? 'retry')).toEqual(['retry', 'session_created', 'session_updated']);
      expect(stream.frames[1]?.id).not.toBe(first);
    });

    it('sends a snapshot for an unknown id', async () => {
      const server = await target.start();
      await runQuickSessions(server, 1);
      const { lastEventId, sessions } = await list(server);

      const stream = await openStream(`${server.url}${STREAM}`, { 'Last-Event-ID': 'from-another-server-7' });
      const snapshot = await stream.next((frame) => frame.event === 'snapshot');

      expect(snapshot.id).toBe(lastEventId);
      expect(JSON.parse(snapshot.data ?? '').sessions).toEqual(sessions);
      expect(server.broker.stats().resumesUnknownId).toBe(1);
    });

    it('sends a snapshot when the id has left the replay window', async () => {
      const server = await target.start({ SSE_REPLAY_EVENTS: '2' });
      const { lastEventId } = await list(server);
      await runQuickSessions(server, 2);

      const stream = await openStream(`${server.url}${STREAM}`, { 'Last-Event-ID': lastEventId });
      const snapshot = await stream.next((frame) => frame.event === 'snapshot');

      expect(JSON.parse(snapshot.data ?? '').sessions).toHaveLength(2);
      expect(stream.frames.map((frame) => frame.event ?? 'retry')).toEqual(['retry', 'snapshot']);
    });

    it('lets the eventsource client resume by itself, past pings, after the server drops the stream', async () => {
      const server = await target.start({ SSE_HEARTBEAT_MS: '200' });
      const client = listen(`${server.url}${STREAM}`);
      const [snapshot, ping] = await client.waitForCount(2, 2000);
      // A ping carries no id: the client's last event id stays the snapshot's.
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

  describe(`heartbeat${target.suffix}`, () => {
    it('pings an idle stream with a ping event and no id line', async () => {
      const server = await target.start({ SSE_HEARTBEAT_MS: '200' });
      const stream = await openStream(`${server.url}${STREAM}`);

      const ping: Frame = await stream.next((frame) => frame.event === 'ping', { timeoutMs: 2000 });

      expect(ping.raw).toMatch(/^event: ping\ndata: \{"type":"ping","at":\d+\}\n\n$/);
      expect(ping.id).toBeUndefined();
    });
  });
}
