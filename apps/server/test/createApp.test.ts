import { EventEmitter } from 'node:events';
import type { Session } from '@sessionboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildLike } from '../src/sessions/SessionManager.ts';
import { closeAll, createSession, openStream, sendJson, startServer } from './helpers.ts';

afterEach(closeAll);

describe('createApp with injected parts', () => {
  it('runs sessions through the given spawner and killer, published on its own stream', async () => {
    const children: EventEmitter[] = [];
    const kills: [number, string][] = [];
    const server = await startServer(
      {},
      {
        spawn: (file, args) => {
          const child = Object.assign(new EventEmitter(), { pid: 4242 + children.length, file, args });
          children.push(child);
          queueMicrotask(() => child.emit('spawn'));
          return child as ChildLike;
        },
        kill: (pid, signal) => kills.push([pid, signal]),
        groupAlive: () => false,
      },
    );
    const stream = await openStream(`${server.url}/api/sse/sessions`);
    await stream.next((frame) => frame.event === 'snapshot');

    const created = await createSession(server, { command: ['not-a-real-program', 'x'] });
    const createdEvent = await stream.next((frame) => frame.event === 'session_created');
    const stopping = await sendJson<Session>(`${server.url}/api/sessions/${created.body.id}`, 'DELETE');
    children[0]?.emit('exit', null, 'SIGTERM');
    const ended = await stream.next((frame) => frame.event === 'session_updated' && frame.data?.includes('"exited"') === true);

    expect(created.body).toMatchObject({ status: 'running', pid: 4242, name: 'not-a-real-program' });
    expect(JSON.parse(createdEvent.data ?? '{}')).toMatchObject({ session: { id: created.body.id, pid: 4242 } });
    expect(stopping.body.status).toBe('stopping');
    expect(kills).toEqual([[4242, 'SIGTERM']]);
    expect(JSON.parse(ended.data ?? '{}')).toMatchObject({ session: { status: 'exited', signal: 'SIGTERM' } });
  });
});
