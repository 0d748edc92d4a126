import { createSessionsClient, type EventSourceConstructor, type SessionsClient } from '@sessionboard/client';
import type { Session, SessionListResponse } from '@sessionboard/protocol';
import { isLiveStatus } from '@sessionboard/protocol';
import { EventSource } from 'eventsource';
import { sendJson, waitFor, type TestServer } from './helpers.ts';

/** A seeded PRNG (mulberry32): the same seed gives the same sequence of choices. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `CHAOS_SEED` when set (to replay a failure), else a fresh one; printed either way. */
export function chaosSeed(label: string): number {
  const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);
  console.log(`${label}: seed ${seed} (rerun with CHAOS_SEED=${seed})`);
  return seed;
}

export function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick<T>(random: () => number, items: readonly T[]): T | undefined {
  return items.length === 0 ? undefined : items[Math.floor(random() * items.length)];
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A long runner, two that end by themselves (exit 2, exit 0) and one that fails to start. */
export const CHAOS_COMMANDS: readonly string[][] = [
  ['sleep', '30'],
  ['sh', '-c', 'exit 2'],
  ['true'],
  ['sessionboard-no-such-command'],
];

/** What the API answered, by action and status. */
export type ApiTally = Record<string, number>;

/**
 * Creates, terminates and removes sessions at random through the REST API until `deadline`
 * (epoch ms). Every answer must be one the protocol allows for the action; anything else throws.
 */
export async function runApiChaos(server: TestServer, random: () => number, deadline: number, tally: ApiTally): Promise<void> {
  const count = (key: string) => (tally[key] = (tally[key] ?? 0) + 1);
  while (Date.now() < deadline) {
    const roll = random();
    const sessions = server.manager.list();
    if (roll < 0.55) {
      const command = pick(random, CHAOS_COMMANDS) as string[];
      const reply = await sendJson<Session>(`${server.url}/api/sessions`, 'POST', { command });
      if (reply.status !== 201 && reply.status !== 429) throw new Error(`POST answered ${reply.status}: ${reply.text}`);
      count(`POST ${reply.status}`);
    } else {
      const live = roll < 0.8;
      const target = pick(random, sessions.filter((s) => isLiveStatus(s.status) === live));
      if (target) {
        const reply = await sendJson(`${server.url}/api/sessions/${target.id}`, 'DELETE');
        // The session may have ended, or been removed as the oldest ended one, meanwhile.
        if (![202, 204, 404].includes(reply.status)) throw new Error(`DELETE answered ${reply.status}: ${reply.text}`);
        count(`DELETE ${reply.status}`);
      }
    }
    await sleep(between(random, 0, 8));
  }
}

/** Stops every live session and waits until none is live: after this no event is published. */
export async function quiesce(server: TestServer): Promise<SessionListResponse> {
  for (const session of server.manager.list()) {
    if (session.status === 'running') await sendJson(`${server.url}/api/sessions/${session.id}`, 'DELETE');
  }
  await waitFor(() => (server.manager.liveCount === 0 ? true : undefined), 10_000);
  return (await sendJson<SessionListResponse>(`${server.url}/api/sessions`, 'GET')).body;
}

export function byId(sessions: Iterable<Session>): Session[] {
  return [...sessions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The dashboard's client on `baseUrl`, with the `eventsource` package, tuned for a chaos
 * run: backoff from 50 ms up to 400 ms, polls every 250 ms, probes within 1 s, and the
 * server's heartbeat (`heartbeatMs`) assumed from the start. Not started.
 */
export function createChaosClient(baseUrl: string, random: () => number, heartbeatMs: number): SessionsClient {
  return createSessionsClient({
    baseUrl,
    EventSource: EventSource as unknown as EventSourceConstructor,
    random,
    backoffBaseMs: 50,
    backoffCapMs: 400,
    pollIntervalMs: 250,
    probeTimeoutMs: 1000,
    defaultHeartbeatMs: heartbeatMs,
  });
}
