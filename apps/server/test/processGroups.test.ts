import { readdirSync, readFileSync } from 'node:fs';
import type { Session } from '@sessionboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, createSession, send, sendJson, startServer, waitFor, type TestServer } from './helpers.ts';

/** Groups these tests started, killed afterwards whatever happened. */
const started: number[] = [];

afterEach(async () => {
  await closeAll();
  for (const pgid of started.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  }
});

/** Pids of the live (not zombie) processes of group `pgid`, from /proc. */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

async function start(server: TestServer, script: string, members: number): Promise<Session> {
  const { status, body } = await createSession(server, { command: ['sh', '-c', script] });
  expect(status).toBe(201);
  const pgid = body.pid as number;
  started.push(pgid);
  await waitFor(() => (groupMembers(pgid).length >= members ? true : undefined), 5000, () => `members of ${pgid}: ${groupMembers(pgid).join(', ')}`);
  return body;
}

async function get(server: TestServer, id: string): Promise<Session> {
  return (await sendJson<Session>(`${server.url}/api/sessions/${id}`, 'GET')).body;
}

/** Waits until the session has ended and returns it with the members its group had at that moment (polling fast: the servers here allow it). */
async function ended(server: TestServer, id: string, pgid: number): Promise<{ session: Session; members: number[] }> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    const session = await get(server, id);
    if (session.status === 'exited') return { session, members: groupMembers(pgid) };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`session ${id} did not end: ${JSON.stringify(await get(server, id))}`);
}

const IGNORES_TERM = 'trap "" TERM; sleep 3134 & trap - TERM; exec sleep 3135';
const LEAVES_CHILD = 'sleep 3138 &';

describe('a session and its process group', () => {
  it('kills a child that ignores SIGTERM once the grace period has passed, though its leader died at once', async () => {
    const server = await startServer({ KILL_GRACE_MS: '500', RATE_LIMIT_PER_MINUTE: '100000' });
    const session = await start(server, IGNORES_TERM, 2);

    const stop = await sendJson<Session>(`${server.url}/api/sessions/${session.id}`, 'DELETE');
    const { session: last, members } = await ended(server, session.id, session.pid as number);

    expect(stop.status).toBe(202);
    expect(last).toMatchObject({ status: 'exited', signal: 'SIGTERM' });
    expect(members).toEqual([]);
  });

  it('keeps a session running while the child its leader left behind lives, and ends both on DELETE', async () => {
    const server = await startServer({ KILL_GRACE_MS: '500', RATE_LIMIT_PER_MINUTE: '100000' });
    const session = await start(server, LEAVES_CHILD, 1);
    await waitFor(() => (groupMembers(session.pid as number).length === 1 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 300));

    const whileChildLives = await get(server, session.id);
    const stop = await sendJson<Session>(`${server.url}/api/sessions/${session.id}`, 'DELETE');
    const { session: last, members } = await ended(server, session.id, session.pid as number);
    const removed = await send(`${server.url}/api/sessions/${session.id}`, { method: 'DELETE' });

    expect(whileChildLives).toMatchObject({ status: 'running', pid: session.pid, exitCode: null });
    expect(stop.status).toBe(202);
    expect(stop.body.status).toBe('stopping');
    expect(last).toMatchObject({ status: 'exited', exitCode: 0 });
    expect(members).toEqual([]);
    expect(removed.status).toBe(204);
  });

  it('ends a session by itself when the children its leader left behind exit', async () => {
    const server = await startServer({ RATE_LIMIT_PER_MINUTE: '100000' });
    const session = await start(server, 'sleep 0.5 & exit 3', 1);

    const { session: last, members } = await ended(server, session.id, session.pid as number);

    expect(last).toMatchObject({ status: 'exited', exitCode: 3, signal: null });
    expect(members).toEqual([]);
  });

  it('shuts down leaving no process of any group it started', async () => {
    const server = await startServer({ KILL_GRACE_MS: '500', RATE_LIMIT_PER_MINUTE: '100000' });
    const sessions = [await start(server, IGNORES_TERM, 2), await start(server, LEAVES_CHILD, 1)];

    await server.close();

    expect(sessions.map((session) => groupMembers(session.pid as number))).toEqual([[], []]);
  });
});
