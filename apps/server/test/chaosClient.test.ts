import type { SessionsClient } from '@sessionboard/client';
import { afterEach, describe, expect, it } from 'vitest';
import { ChaosProxy } from './ChaosProxy.ts';
import { between, byId, chaosSeed, createChaosClient, createRandom, pick, quiesce, runApiChaos, sleep, type ApiTally } from './chaos.ts';
import { closeAll, startServer, waitFor } from './helpers.ts';

const CLIENTS = 10;
const CHAOS_MS = 5000;
const HEARTBEAT_MS = 400;
const WENT_SILENT = 'The live stream went silent; reconnecting.';

const clients: SessionsClient[] = [];
let proxy: ChaosProxy | undefined;

afterEach(async () => {
  for (const client of clients.splice(0)) client.stop();
  await proxy?.close();
  proxy = undefined;
  await closeAll();
});

describe('chaos convergence with the dashboard client', () => {
  it('brings 10 clients behind a proxy that cuts and freezes their connections at random to GET /api/sessions', async () => {
    const seed = chaosSeed('client chaos');
    const random = createRandom(seed);
    const server = await startServer({
      SSE_HEARTBEAT_MS: String(HEARTBEAT_MS),
      SSE_REPLAY_EVENTS: '50',
      SESSIONS_MAX_LIVE: '6',
      SESSIONS_KEEP_ENDED: '8',
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    proxy = new ChaosProxy(Number(new URL(server.url).port));
    const baseUrl = await proxy.listen();
    const silences: number[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const client = createChaosClient(baseUrl, createRandom(seed + 1 + i), HEARTBEAT_MS);
      silences.push(0);
      client.subscribe((_state, message) => {
        if (message.type === 'status' && message.error === WENT_SILENT) silences[i] = (silences[i] ?? 0) + 1;
      });
      clients.push(client);
      client.start();
    }
    await waitFor(() => (clients.every((c) => c.getState().status === 'live') ? true : undefined), 10_000);

    const tally: ApiTally = {};
    const deadline = Date.now() + CHAOS_MS;
    const network = (async () => {
      while (Date.now() < deadline) {
        await sleep(between(random, 20, 120));
        const roll = random();
        if (roll < 0.75) proxy.cut(random);
        else if (roll < 0.9) proxy.freeze(random);
        else pick(random, clients)?.reconnect();
      }
      // A last freeze with no cut after it: only the client's own watchdog can notice it.
      const recovered = silences.reduce((sum, n) => sum + n, 0);
      await waitFor(() => (proxy?.freeze(random) ? true : undefined), 5000);
      await waitFor(() => (silences.reduce((sum, n) => sum + n, 0) > recovered ? true : undefined), 5000, () => 'no watchdog fired');
    })();
    const actors = [createRandom(seed ^ 0x5eed), createRandom(seed ^ 0xbeef)];
    await Promise.all([network, ...actors.map((actor) => runApiChaos(server, actor, deadline, tally))]);
    const expected = await quiesce(server);
    await waitFor(
      () =>
        clients.every((c) => c.getState().lastEventId === expected.lastEventId && c.getState().status === 'live') ? true : undefined,
      15_000,
      () => JSON.stringify(clients.map((c) => [c.getState().status, c.getState().lastEventId])),
    );

    const stats = server.broker.stats();
    const silenced = silences.reduce((sum, n) => sum + n, 0);
    console.log(
      `client chaos: ${stats.eventsPublished} events, API ${JSON.stringify(tally)}, ${proxy.cuts} cuts, ${proxy.freezes} freezes, ` +
        `${silenced} watchdog recoveries, ${stats.resumesReplayed} replayed and ${stats.resumesUnknownId} snapshot resumes`,
    );
    expect(clients.map((c) => byId(Object.values(c.getState().sessions)))).toEqual(clients.map(() => byId(expected.sessions)));
    expect(proxy.cuts).toBeGreaterThan(0);
    expect(proxy.freezes).toBeGreaterThan(0);
    expect(silenced).toBeGreaterThan(0);
    expect(stats.resumesReplayed).toBeGreaterThan(0);
    // Every stream cut, frozen or given up on was let go by the server too.
    await waitFor(() => (server.broker.connectionCount === CLIENTS ? true : undefined), 5000, () => `${server.broker.connectionCount} streams open`);
    for (const client of clients) client.stop();
    await waitFor(() => (server.broker.connectionCount === 0 ? true : undefined), 5000);
  });
});
