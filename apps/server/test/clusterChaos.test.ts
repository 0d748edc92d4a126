import type { Session } from '@sessionboard/protocol';
import { isLiveStatus } from '@sessionboard/protocol';
import type { SessionsClient } from '@sessionboard/client';
import { afterEach, describe, expect, it } from 'vitest';
import { CHAOS_COMMANDS, between, byId, chaosSeed, createChaosClient, createRandom, pick, sleep, type ApiTally } from './chaos.ts';
import { allEnded, converged, list } from './clusterHelpers.ts';
import { sendJson, waitFor, type TestServer } from './helpers.ts';
import { RandomBalancer } from './RandomBalancer.ts';
import { useRedisCluster } from './useRedisCluster.ts';

const CLIENTS = 8;
const CHAOS_MS = 6000;
const HEARTBEAT_MS = 400;

const clients: SessionsClient[] = [];
let balancer: RandomBalancer | undefined;
const cluster = useRedisCluster();

// Runs before useRedisCluster's hook (the last registered runs first), so clients stop before the instances close.
afterEach(async () => {
  for (const client of clients.splice(0)) client.stop();
  await balancer?.close();
  balancer = undefined;
});

/** Starts, stops and removes sessions at random, each request to a random instance, until `deadline`. */
async function churn(instances: readonly TestServer[], random: () => number, deadline: number, tally: ApiTally): Promise<void> {
  const count = (key: string) => (tally[key] = (tally[key] ?? 0) + 1);
  while (Date.now() < deadline) {
    const server = pick(random, instances) as TestServer;
    const roll = random();
    if (roll < 0.55) {
      const reply = await sendJson<Session>(`${server.url}/api/sessions`, 'POST', { command: pick(random, CHAOS_COMMANDS) });
      if (reply.status !== 201 && reply.status !== 429) throw new Error(`POST answered ${reply.status}: ${reply.text}`);
      if (reply.status === 201) cluster.track(reply.body);
      count(`POST ${reply.status}`);
    } else {
      const live = roll < 0.8;
      const target = pick(random, (await list(server)).sessions.filter((s) => isLiveStatus(s.status) === live));
      if (target) {
        const reply = await sendJson(`${server.url}/api/sessions/${target.id}`, 'DELETE');
        if (![202, 204, 404].includes(reply.status)) throw new Error(`DELETE answered ${reply.status}: ${reply.text}`);
        count(`DELETE ${reply.status}${target.instance === server.config.instanceName ? '' : ' remote'}`);
      }
    }
    await sleep(between(random, 0, 10));
  }
}

describe('clients hopping between instances at random while sessions churn on all of them', () => {
  it('brings every client, behind a balancer with no stickiness that drops connections, to the cluster\'s list and last id', async () => {
    const seed = chaosSeed('cluster chaos');
    const random = createRandom(seed);
    const env = {
      SSE_HEARTBEAT_MS: String(HEARTBEAT_MS),
      SSE_REPLAY_EVENTS: '40',
      SESSIONS_MAX_LIVE: '4',
      SESSIONS_KEEP_ENDED: '6',
      RATE_LIMIT_PER_MINUTE: '1000000',
      INSTANCE_TTL_MS: '5000',
    };
    const instances = [await cluster.start('a:1', env), await cluster.start('b:1', env), await cluster.start('c:1', env)];
    balancer = new RandomBalancer(
      instances.map((server) => Number(new URL(server.url).port)),
      createRandom(seed ^ 0xba1),
    );
    const baseUrl = await balancer.listen();
    for (let i = 0; i < CLIENTS; i++) {
      const client = createChaosClient(baseUrl, createRandom(seed + 1 + i), HEARTBEAT_MS);
      clients.push(client);
      client.start();
    }
    await waitFor(() => (clients.every((c) => c.getState().status === 'live') ? true : undefined), 10_000);

    const tally: ApiTally = {};
    const deadline = Date.now() + CHAOS_MS;
    const hops = (async () => {
      while (Date.now() < deadline) {
        await sleep(between(random, 30, 150));
        if (random() < 0.7) balancer?.cut(random);
        else pick(random, clients)?.reconnect();
      }
    })();
    const actors = [0x5eed, 0xbeef, 0xcafe].map((salt) => churn(instances, createRandom(seed ^ salt), deadline, tally));
    await Promise.all([hops, ...actors]);

    // Quiesce: stop what still runs, from any instance, and wait for every instance to agree.
    for (const session of (await list(instances[0] as TestServer)).sessions) {
      if (session.status === 'running') await sendJson(`${(pick(random, instances) as TestServer).url}/api/sessions/${session.id}`, 'DELETE');
    }
    const expected = await converged(instances, 15_000, allEnded);
    await waitFor(
      () => (clients.every((c) => c.getState().lastEventId === expected.lastEventId && c.getState().status === 'live') ? true : undefined),
      15_000,
      () => JSON.stringify(clients.map((c) => [c.getState().status, c.getState().lastEventId, expected.lastEventId])),
    );

    const resumed = instances.map((server) => server.broker.stats());
    console.log(
      `cluster chaos: API ${JSON.stringify(tally)}, ${balancer.cuts} cuts, connections routed ${JSON.stringify([...balancer.routed.values()])}, ` +
        `resumes replayed ${resumed.map((s) => s.resumesReplayed).join('/')}, snapshots for unknown ids ${resumed.map((s) => s.resumesUnknownId).join('/')}`,
    );
    expect(clients.map((c) => byId(Object.values(c.getState().sessions)))).toEqual(clients.map(() => byId(expected.sessions)));
    expect(tally['DELETE 202 remote'] ?? 0).toBeGreaterThan(0);
    expect(new Set(expected.sessions.map((s) => s.instance)).size).toBeGreaterThan(1);
    expect([...balancer.routed.values()].every((n) => n > 0)).toBe(true);
    expect(resumed.reduce((sum, s) => sum + s.resumesReplayed, 0)).toBeGreaterThan(0);
  });
});
