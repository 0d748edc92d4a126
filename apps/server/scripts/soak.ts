/**
 * Soak: 10 000 stream connect/disconnect cycles and 10 000 sessions started and ended against
 * an in-process server, then a comparison of memory, handles and listeners with a baseline
 * taken after a warm-up. Exits 1 when anything grew beyond noise (see LIMITS).
 *
 * Run: pnpm --filter @sessionboard/server soak   (node --expose-gc --import tsx scripts/soak.ts)
 * SOAK_CYCLES and SOAK_SESSIONS override the counts, e.g. for a quick try.
 */
import { createHook } from 'node:async_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../src/config.ts';
import { createApp, type App } from '../src/createApp.ts';

const CYCLES = Number(process.env.SOAK_CYCLES ?? 10_000);
const SESSIONS = Number(process.env.SOAK_SESSIONS ?? 10_000);
const STREAM_BATCH = 100;
const MAX_LIVE = 50;
/** Sessions started concurrently, each waiting for its own to end: always under MAX_LIVE. */
const SESSION_WORKERS = 40;
const KEEP_ENDED = 20;
const HEARTBEAT_MS = 1000;
const MiB = 1024 * 1024;

/** Growth allowed between baseline and end. Heap is measured after full GCs; RSS also holds allocator slack. */
const LIMITS = { heapBytes: 10 * MiB, rssBytes: 50 * MiB };

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('Run with node --expose-gc (pnpm --filter @sessionboard/server soak does).');
  process.exit(2);
}

/**
 * Async resources alive now, by type, unref'd timers included (getActiveResourcesInfo lists
 * only what keeps the loop alive): a leaked unref'd interval shows here.
 */
const TRACKED = new Set(['Timeout', 'Immediate', 'TCPWRAP', 'PIPEWRAP', 'PROCESSWRAP', 'HTTPINCOMINGMESSAGE', 'HTTPCLIENTREQUEST']);
const alive = new Map<number, string>();
createHook({
  init(asyncId, type) {
    if (TRACKED.has(type)) alive.set(asyncId, type);
  },
  destroy(asyncId) {
    alive.delete(asyncId);
  },
}).enable();

interface Measure {
  heapUsed: number;
  rss: number;
  external: number;
  /** process.getActiveResourcesInfo(), counted by type. */
  resources: Record<string, number>;
  /** Async resources not yet destroyed, by type. */
  asyncResources: Record<string, number>;
  listeners: Record<string, number>;
  serverConnections: number;
  streams: number;
  liveSessions: number;
  keptSessions: number;
  childProcesses: number;
}

const PROCESS_EVENTS = ['SIGTERM', 'SIGINT', 'exit', 'uncaughtException', 'unhandledRejection', 'warning'] as const;
const SERVER_EVENTS = ['connection', 'request', 'close', 'error', 'listening'] as const;

async function measure(app: App, server: Server): Promise<Measure> {
  await settle();
  gc!();
  gc!();
  const { heapUsed, rss, external } = process.memoryUsage();
  const resources: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1;
  const asyncResources: Record<string, number> = {};
  for (const type of alive.values()) asyncResources[type] = (asyncResources[type] ?? 0) + 1;
  const listeners: Record<string, number> = {};
  for (const event of PROCESS_EVENTS) listeners[`process ${event}`] = process.listenerCount(event);
  for (const event of SERVER_EVENTS) listeners[`server ${event}`] = server.listenerCount(event);
  const serverConnections = await new Promise<number>((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
  return {
    heapUsed,
    rss,
    external,
    resources,
    asyncResources,
    listeners,
    serverConnections,
    streams: app.broker.connectionCount,
    liveSessions: app.manager.liveCount,
    keptSessions: app.manager.list().length,
    childProcesses: childCount(),
  };
}

/** Children of this process still in the process table (zombies included), from /proc. */
function childCount(): number {
  let count = 0;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) count += 1;
      } catch {
        // Gone while being read.
      }
    }
  } catch {
    return -1;
  }
  return count;
}

/** Lets closed sockets, exited children and the broker's idle heartbeat sweep wind down. */
const settle = () => new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS * 1.5));

async function waitUntil(probe: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Opens one stream, fresh or resuming by header or query, waits for its opening and hangs up. */
function streamCycle(base: string, index: number, lastEventId: string): Promise<void> {
  const mode = index % 3;
  const path = mode === 2 ? `/api/sse/sessions?lastEventId=${encodeURIComponent(lastEventId)}` : '/api/sse/sessions';
  const headers: Record<string, string> = mode === 1 ? { 'Last-Event-ID': lastEventId } : {};
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { agent: false, headers }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`stream answered ${res.statusCode}`));
      res.setEncoding('utf8');
      let text = '';
      res.on('data', (chunk: string) => {
        text += chunk;
        // A fresh stream opens with a snapshot; a resume by the newest id with retry: alone.
        if (text.includes('\n\n')) req.destroy();
      });
      res.on('error', () => {});
      res.on('close', () => resolve());
    });
    req.on('error', (error) => (req.destroyed ? resolve() : reject(error)));
    req.end();
  });
}

function post(base: string, body: unknown): Promise<{ status: number; id: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/sessions`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, id: (JSON.parse(text) as { id?: string }).id ?? '' }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function runCycles(app: App, base: string, count: number, onProgress: (done: number) => Promise<void>): Promise<void> {
  for (let done = 0; done < count; ) {
    const batch = Math.min(STREAM_BATCH, count - done);
    const lastEventId = app.broker.lastEventId;
    await Promise.all(Array.from({ length: batch }, (_, i) => streamCycle(base, done + i, lastEventId)));
    done += batch;
    if (done % 2000 === 0) await onProgress(done);
  }
}

/** Starts `count` sessions of `true`, at most WORKERS live at a time, each waited for until it has ended. */
async function runSessions(app: App, base: string, count: number, onProgress: (done: number) => Promise<void>): Promise<void> {
  let started = 0;
  let done = 0;
  const worker = async () => {
    while (started < count) {
      started += 1;
      const { status, id } = await post(base, { command: ['true'] });
      if (status !== 201) throw new Error(`POST answered ${status}`);
      await waitUntil(() => app.manager.get(id)?.status !== 'running', 'a session to end');
      done += 1;
      if (done % 2000 === 0) await onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: SESSION_WORKERS }, worker));
  await waitUntil(() => app.manager.liveCount === 0, 'the sessions to end');
}

/** A few streams that stay open and read every event, so that fan-out runs during the session phase. */
function listeners(base: string, count: number): { close(): Promise<void> } {
  const reqs = Array.from({ length: count }, () => {
    const req = request(`${base}/api/sse/sessions`, { agent: false }, (res) => {
      res.on('data', () => {});
      res.on('error', () => {});
    });
    req.on('error', () => {});
    req.end();
    return req;
  });
  return {
    async close() {
      for (const req of reqs) req.destroy();
    },
  };
}

const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const startedAt = Date.now();
  const fsRoot = await realpath(await mkdtemp(join(tmpdir(), 'sessionboard-soak-')));
  const config = parseConfig({
    FS_ROOT: fsRoot,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
    SESSIONS_MAX_LIVE: String(MAX_LIVE),
    SESSIONS_KEEP_ENDED: String(KEEP_ENDED),
    SSE_HEARTBEAT_MS: String(HEARTBEAT_MS),
    SSE_MAX_CONNECTIONS: '1000',
  });
  const app = createApp({ config, logger: pino({ level: 'silent' }), webRoot: join(fsRoot, 'no-web-build') });
  const server = createServer(app.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const trend: string[] = [];
  const progress = (entry: string) => {
    console.log(entry.trim());
    trend.push(entry);
  };
  const heapNow = () => {
    gc!();
    return process.memoryUsage().heapUsed;
  };

  // Warm-up: JIT, pools and the replay window (over 1000 events) filled before the baseline.
  await runCycles(app, base, 500, async () => {});
  await runSessions(app, base, 500, async () => {});
  const before = await measure(app, server);
  const heapBase = before.heapUsed;

  const cyclesStart = Date.now();
  await runCycles(app, base, CYCLES, async (done) => {
    progress(`  after ${done} cycles: heap ${mib(heapNow() - heapBase)} over baseline`);
  });
  const cyclesMs = Date.now() - cyclesStart;
  const watchers = listeners(base, 5);
  await waitUntil(() => app.broker.connectionCount === 5, 'the listening streams');
  const sessionsStart = Date.now();
  await runSessions(app, base, SESSIONS, async (done) => {
    progress(`  after ${done} sessions: heap ${mib(heapNow() - heapBase)} over baseline`);
  });
  const sessionsMs = Date.now() - sessionsStart;
  await watchers.close();
  await waitUntil(() => app.broker.connectionCount === 0, 'the streams to close');
  const after = await measure(app, server);
  const stats = app.broker.stats();

  const rows: [string, string, string, string, boolean][] = [];
  const row = (name: string, a: number | string, b: number | string, limit: string, ok: boolean) => rows.push([name, String(a), String(b), limit, ok]);
  row('heap used (after GC)', mib(before.heapUsed), mib(after.heapUsed), `+${mib(LIMITS.heapBytes)}`, after.heapUsed - before.heapUsed <= LIMITS.heapBytes);
  row('RSS', mib(before.rss), mib(after.rss), `+${mib(LIMITS.rssBytes)}`, after.rss - before.rss <= LIMITS.rssBytes);
  row('external (Buffers)', mib(before.external), mib(after.external), `+${mib(LIMITS.heapBytes)}`, after.external - before.external <= LIMITS.heapBytes);
  for (const type of new Set([...Object.keys(before.resources), ...Object.keys(after.resources)])) {
    const a = before.resources[type] ?? 0;
    const b = after.resources[type] ?? 0;
    row(`active ${type}`, a, b, 'no more', b <= a);
  }
  for (const type of TRACKED) {
    const a = before.asyncResources[type] ?? 0;
    const b = after.asyncResources[type] ?? 0;
    row(`async ${type} not destroyed`, a, b, 'no more', b <= a);
  }
  for (const name of Object.keys(before.listeners)) {
    row(`listeners: ${name}`, before.listeners[name] ?? 0, after.listeners[name] ?? 0, 'equal', before.listeners[name] === after.listeners[name]);
  }
  row('server connections', before.serverConnections, after.serverConnections, '0', after.serverConnections === 0);
  row('open streams', before.streams, after.streams, '0', after.streams === 0);
  row('live sessions', before.liveSessions, after.liveSessions, '0', after.liveSessions === 0);
  row('sessions kept', before.keptSessions, after.keptSessions, `<= ${KEEP_ENDED}`, after.keptSessions <= KEEP_ENDED);
  // The baseline may hold a helper of the loader (esbuild's service); sessions must add none.
  row('child processes', before.childProcesses, after.childProcesses, 'no more', after.childProcesses <= before.childProcesses);

  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => String(r[i]).length), ['measure', 'baseline', 'after', 'limit'][i]!.length));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  console.log(`\nSessionboard soak: ${CYCLES} stream cycles in ${(cyclesMs / 1000).toFixed(1)} s, ${SESSIONS} sessions in ${(sessionsMs / 1000).toFixed(1)} s`);
  console.log(`broker: ${stats.eventsPublished} events published, ${stats.framesSent} frames sent, ${stats.resumesReplayed} resumes replayed, ${stats.resumesUnknownId} by snapshot, ${stats.slowClosed} slow closes`);
  console.log('heap trend (after GC):');
  for (const entry of trend) console.log(entry);
  console.log('');
  console.log(line(['measure', 'baseline', 'after', 'limit']) + '  ok');
  for (const [name, a, b, limit, ok] of rows) console.log(line([name, a, b, limit]) + `  ${ok ? 'yes' : 'NO'}`);
  const failed = rows.filter((r) => !r[4]);
  console.log(`\n${failed.length === 0 ? 'PASS' : `FAIL: ${failed.map((r) => r[0]).join(', ')}`} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);

  await app.close(200);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(fsRoot, { recursive: true, force: true });
  process.exit(failed.length === 0 ? 0 : 1);
}

await main();
