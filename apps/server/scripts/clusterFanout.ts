/**
 * Cluster fan-out: the time from `POST /api/sessions` on one instance to its
 * `session_created` event on every stream of two instances sharing a Redis, against a single
 * server with as many streams per process, in the same run. Starts its own redis-server and
 * the built servers (`pnpm build` first) on free 127.0.0.1 ports, and stops them.
 *
 * Run: node --import tsx scripts/clusterFanout.ts [streams per instance, default 1000] [events, default 20]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const STREAMS = Number(process.argv[2] ?? 1000);
const EVENTS = Number(process.argv[3] ?? 20);
const GAP_MS = 200;
const MAIN = new URL('../dist/main.js', import.meta.url).pathname;
const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket.end() !== undefined));
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

async function startServer(env: Record<string, string>, fsRoot: string): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, HOME: fsRoot, FS_ROOT: fsRoot, PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000', SSE_MAX_CONNECTIONS: String(STREAMS + 10), SESSIONS_MAX_LIVE: '1000', ...env },
    stdio: 'inherit',
  });
  children.push(child);
  await waitForPort(port);
  return `http://127.0.0.1:${port}`;
}

/** Opens `count` streams and calls `onCreated(id, at)` for each session_created frame each receives. */
async function openStreams(url: string, count: number, onCreated: (id: string, at: number) => void): Promise<IncomingMessage[]> {
  const opened: Promise<IncomingMessage>[] = [];
  for (let i = 0; i < count; i++) {
    opened.push(
      new Promise((resolve, reject) => {
        const req = request(`${url}/api/sse/sessions`, { agent: false }, (res) => {
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const at = performance.now();
            buffer += chunk;
            let end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const frame = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              if (frame.includes('event: session_created')) onCreated(/"id":"([^"]+)"/.exec(frame)?.[1] ?? '', at);
            }
          });
          resolve(res);
        });
        req.on('error', reject);
        req.end();
      }),
    );
    if (i % 100 === 99) await Promise.all(opened.slice(-100));
  }
  return Promise.all(opened);
}

function post(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/sessions`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => (res.statusCode === 201 ? resolve((JSON.parse(body) as { id: string }).id) : reject(new Error(`POST ${res.statusCode}: ${body}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ command: ['true'] }));
  });
}

/** Sends EVENTS triggers to `trigger` and measures each created event's arrival on every stream of `urls`. */
async function measure(label: string, trigger: string, urls: string[]): Promise<void> {
  const arrivals = new Map<string, number[]>();
  const streams = (await Promise.all(urls.map((url) => openStreams(url, STREAMS, (id, at) => arrivals.get(id)?.push(at) ?? arrivals.set(id, [at]))))).flat();
  const latencies: number[] = [];
  let lost = 0;
  for (let i = 0; i < EVENTS; i++) {
    const sentAt = performance.now();
    const id = await post(trigger);
    await new Promise((resolve) => setTimeout(resolve, GAP_MS));
    const got = arrivals.get(id) ?? [];
    lost += streams.length - got.length;
    for (const at of got) latencies.push(at - sentAt);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(1);
  console.log(`${label}: ${streams.length} streams, ${EVENTS} events: p50 ${pct(50)} ms, p90 ${pct(90)} ms, p99 ${pct(99)} ms, max ${latencies.at(-1)?.toFixed(1)} ms, lost ${lost}`);
  for (const stream of streams) stream.destroy();
}

const dir = await mkdtemp(join(tmpdir(), 'sessionboard-fanout-'));
try {
  const single = await startServer({}, dir);
  await measure('single server', single, [single]);

  const redisPort = await freePort();
  children.push(spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--dir', dir], { stdio: 'ignore' }));
  await waitForPort(redisPort);
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const one = await startServer({ REDIS_URL: redisUrl, INSTANCE_NAME: 'one' }, dir);
  const two = await startServer({ REDIS_URL: redisUrl, INSTANCE_NAME: 'two' }, dir);
  await measure('2 instances, triggered on one', one, [one, two]);
} finally {
  for (const child of children) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
}
