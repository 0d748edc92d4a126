import type { Session } from '@sessionboard/protocol';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { between, byId, chaosSeed, createRandom, quiesce, runApiChaos, sleep, type ApiTally } from './chaos.ts';
import { closeAll, startServer, waitFor } from './helpers.ts';

const CLIENTS = 20;
const CHAOS_MS = 5000;
/** A long pause misses this many events: more than the small window of 50 holds. */
const LONG_PAUSE_EVENTS = 60;
const CHANGE_EVENTS = ['session_created', 'session_updated', 'session_removed'] as const;

const clients: ResumingClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.stop();
  await closeAll();
});

/**
 * One real `eventsource` client that keeps its own list, and is closed and reopened at random,
 * resuming from the last id it saw by the `Last-Event-ID` header or by `?lastEventId=`.
 */
class ResumingClient {
  readonly sessions = new Map<string, Session>();
  lastEventId: string | undefined;
  snapshots = 0;
  changes = 0;
  /** Reopenings that sent an id: each one is a resume the server must count. */
  resumes = 0;
  #source: EventSource | undefined;
  #opened = false;
  #stopped = false;

  constructor(
    readonly url: string,
    readonly random: () => number,
    /** Events the server has published so far. */
    readonly published: () => number,
    /** The first pause is a long one. */
    public laggard = false,
  ) {}

  get connected(): boolean {
    return this.#source !== undefined;
  }

  /** The current stream has its response headers: the server has counted it. */
  get opened(): boolean {
    return this.#opened;
  }

  open(): void {
    const id = this.lastEventId;
    let source: EventSource;
    if (id === undefined) {
      source = new EventSource(this.url);
    } else if (this.random() < 0.5) {
      source = new EventSource(this.url, {
        fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, 'Last-Event-ID': id } }),
      });
    } else {
      source = new EventSource(`${this.url}?lastEventId=${encodeURIComponent(id)}`);
    }
    if (id !== undefined) this.resumes += 1;
    this.#source = source;
    this.#opened = false;
    // 'open' fires once the headers are in: the server has run connect() for this stream by then.
    source.addEventListener('open', () => {
      if (this.#source === source) this.#opened = true;
    });
    source.addEventListener('snapshot', (message) => {
      if (this.#source !== source) return;
      this.sessions.clear();
      for (const session of (JSON.parse(message.data) as { sessions: Session[] }).sessions) this.sessions.set(session.id, session);
      this.lastEventId = message.lastEventId;
      this.snapshots += 1;
    });
    for (const name of CHANGE_EVENTS) {
      source.addEventListener(name, (message) => {
        if (this.#source !== source) return;
        const { session } = JSON.parse(message.data) as { session: Session };
        if (name === 'session_removed') this.sessions.delete(session.id);
        else this.sessions.set(session.id, session);
        this.lastEventId = message.lastEventId;
        this.changes += 1;
      });
    }
  }

  close(): void {
    this.#source?.close();
    this.#source = undefined;
  }

  /** Drops the stream and resumes after a pause, at random, until `stop()`. */
  async churn(): Promise<void> {
    while (!this.#stopped) {
      await sleep(between(this.random, 20, 250));
      // Only an opened stream is dropped, so that every resume reaches the server.
      if (this.#stopped || !this.#opened) continue;
      this.close();
      if (this.laggard || this.random() < 0.125) await this.#missEvents(LONG_PAUSE_EVENTS);
      else await sleep(between(this.random, 0, 120));
      this.laggard = false;
      if (!this.#stopped) this.open();
    }
  }

  /** Stays away until `count` events have been published (or the churn ends). */
  async #missEvents(count: number): Promise<void> {
    const until = this.published() + count;
    while (!this.#stopped && this.published() < until) await sleep(20);
  }

  stop(): void {
    this.#stopped = true;
    this.close();
  }

  /** Ends the churn and makes sure the client is connected for the final catch-up. */
  async settle(churning: Promise<void>): Promise<void> {
    this.#stopped = true;
    await churning;
    if (!this.connected) this.open();
  }
}

async function runChaos(replayEvents: number) {
  const seed = chaosSeed(`chaos, SSE_REPLAY_EVENTS=${replayEvents}`);
  const random = createRandom(seed);
  const server = await startServer({
    SSE_REPLAY_EVENTS: String(replayEvents),
    SESSIONS_MAX_LIVE: '6',
    SESSIONS_KEEP_ENDED: '8',
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const url = `${server.url}/api/sse/sessions`;
  const published = () => server.broker.stats().eventsPublished;
  for (let i = 0; i < CLIENTS; i++) clients.push(new ResumingClient(url, createRandom(seed + 1 + i), published, i === 0));
  for (const client of clients) client.open();
  await waitFor(() => (clients.every((c) => c.snapshots === 1) ? true : undefined), 10_000);

  const tally: ApiTally = {};
  const deadline = Date.now() + CHAOS_MS;
  const churning = clients.map((client) => client.churn());
  const actors = [random, createRandom(seed ^ 0x5eed), createRandom(seed ^ 0xbeef)];
  await Promise.all(actors.map((actor) => runApiChaos(server, actor, deadline, tally)));
  await Promise.all(clients.map((client, i) => client.settle(churning[i] as Promise<void>)));
  const expected = await quiesce(server);
  await waitFor(
    () => (clients.every((c) => c.opened && c.lastEventId === expected.lastEventId) ? true : undefined),
    15_000,
    () => `${clients.filter((c) => c.lastEventId !== expected.lastEventId).length} clients behind ${expected.lastEventId}`,
  );

  const stats = server.broker.stats();
  const resumes = clients.reduce((sum, c) => sum + c.resumes, 0);
  console.log(
    `chaos, SSE_REPLAY_EVENTS=${replayEvents}: ${stats.eventsPublished} events, API ${JSON.stringify(tally)}, ` +
      `${resumes} resumes (${stats.resumesReplayed} replayed, ${stats.resumesUnknownId} by snapshot), ` +
      `${expected.sessions.length} sessions at the end`,
  );
  return { server, expected, stats, resumes, tally };
}

describe('chaos convergence with the eventsource client', () => {
  it('brings 20 clients that drop and resume at random to GET /api/sessions when some resumes fall outside a 50-event window', async () => {
    const { server, expected, stats, resumes, tally } = await runChaos(50);

    expect(clients.map((c) => byId(c.sessions.values()))).toEqual(clients.map(() => byId(expected.sessions)));
    expect(stats.resumesReplayed + stats.resumesUnknownId).toBe(resumes);
    expect(stats.resumesReplayed).toBeGreaterThan(0);
    expect(stats.resumesUnknownId).toBeGreaterThan(0);
    expect(tally['POST 201']).toBeGreaterThan(0);
    expect(tally['DELETE 202']).toBeGreaterThan(0);
    expect(tally['DELETE 204']).toBeGreaterThan(0);
    // Every stream a client dropped was let go by the server too.
    await waitFor(() => (server.broker.connectionCount === CLIENTS ? true : undefined), 5000, () => `${server.broker.connectionCount} streams open`);
    for (const client of clients) client.stop();
    await waitFor(() => (server.broker.connectionCount === 0 ? true : undefined), 5000);
  });

  it('brings 20 clients that drop and resume at random to GET /api/sessions by replay alone when the window holds everything', async () => {
    const { expected, stats, resumes } = await runChaos(100_000);

    expect(clients.map((c) => byId(c.sessions.values()))).toEqual(clients.map(() => byId(expected.sessions)));
    expect(stats.resumesReplayed).toBe(resumes);
    expect(stats.resumesUnknownId).toBe(0);
    expect(clients.map((c) => c.snapshots)).toEqual(clients.map(() => 1));
    expect(resumes).toBeGreaterThan(CLIENTS);
  });
});
