import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { BenchTarget } from './BenchTarget.ts';
import { SESSIONBOARD_MAIN, sessionboardTarget } from './benchTargets.ts';
import { freePort } from './freePort.ts';
import { readRssBytes } from './procStats.ts';
import { startServer, type RunningServer } from './startServer.ts';

// The attacks of issue 11 against a built server, as figures: memory and /api/health latency
// with streams that never read a 3.3 MB snapshot, streams resuming 1000 events back, the
// time many reading streams take to connect at once (and how long /api/health waits
// meanwhile), and the time to a 413 for a 100 MB body.
//   pnpm --filter @sessionboard/bench hardening [--main apps/server/dist/main.js] [--connects 50,500]

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
}

/** A command of about 16 KB, the most a 16 KiB body allows, so 200 ended sessions make a 3.3 MB snapshot. */
const LONG_COMMAND = ['true', ...['a', 'b', 'c', 'd'].map((c) => c.repeat(4000)), 'e'.repeat(250)];

function request(
  baseUrl: string,
  method: string,
  pathname: string,
  body?: unknown,
): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(new URL(pathname, baseUrl), {
      method,
      agent: false,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), ms: performance.now() - started }));
    });
    req.end(payload);
  });
}

async function healthMs(baseUrl: string, probes = 5): Promise<{ median: number; max: number }> {
  const times: number[] = [];
  for (let i = 0; i < probes; i++) times.push((await request(baseUrl, 'GET', '/api/health')).ms);
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)] ?? Number.NaN, max: times.at(-1) ?? Number.NaN };
}

async function createSessions(baseUrl: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const reply = await request(baseUrl, 'POST', '/api/sessions', { command: LONG_COMMAND });
    if (reply.status !== 201) throw new Error(`POST /api/sessions answered ${reply.status}: ${reply.text.slice(0, 200)}`);
  }
}

async function list(baseUrl: string): Promise<{ text: string; sessions: { status: string }[]; lastEventId: string }> {
  const reply = await request(baseUrl, 'GET', '/api/sessions');
  return { text: reply.text, ...(JSON.parse(reply.text) as { sessions: { status: string }[]; lastEventId: string }) };
}

async function settle(baseUrl: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await list(baseUrl)).sessions.every((session) => session.status !== 'running')) return;
    await sleep(50);
  }
}

/** Streams that send their request and never read a byte. */
function openNonReading(server: RunningServer, count: number, lastEventId?: string): net.Socket[] {
  const { port } = new URL(server.baseUrl);
  return Array.from({ length: count }, () => {
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.pause();
    socket.on('error', () => {});
    const resume = lastEventId === undefined ? '' : `Last-Event-ID: ${lastEventId}\r\n`;
    socket.write(`GET /api/sse/sessions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n${resume}\r\n`);
    return socket;
  });
}

/** Opens `count` reading streams at once; resolves when every one has its whole snapshot. */
function connectReading(baseUrl: string, count: number): Promise<http.ClientRequest[]> {
  const requests: http.ClientRequest[] = [];
  const opened = Array.from(
    { length: count },
    () =>
      new Promise<void>((resolve, reject) => {
        const req = http.get(new URL('/api/sse/sessions', baseUrl), { agent: false }, (res) => {
          // The snapshot is the second frame: it ends at the second blank line. Bytes are
          // searched as they are, so that reading costs the client little.
          let blankLines = 0;
          let lastByte = 0;
          res.on('data', (chunk: Buffer) => {
            if (blankLines >= 2) return;
            if (lastByte === 0x0a && chunk[0] === 0x0a) blankLines += 1;
            for (let at = chunk.indexOf('\n\n'); at >= 0 && blankLines < 2; at = chunk.indexOf('\n\n', at + 2)) blankLines += 1;
            lastByte = chunk[chunk.length - 1] ?? 0;
            if (blankLines >= 2) resolve();
          });
          res.on('close', () => reject(new Error('stream closed before its snapshot')));
        });
        req.on('error', reject);
        requests.push(req);
      }),
  );
  return Promise.all(opened).then(() => requests);
}

/** A process of its own that times `GET /api/health` every 20 ms, so a busy client does not skew it. */
function startProber(baseUrl: string): { stop(): Promise<number> } {
  const script = `
    import http from 'node:http';
    let max = 0, stopping = false;
    const probe = () => { const t = performance.now(); http.get(${JSON.stringify(`${baseUrl}/api/health`)}, { agent: false }, (r) => { r.resume(); r.on('end', () => { max = Math.max(max, performance.now() - t); if (!stopping) setTimeout(probe, 20); else process.stdout.write(String(max), () => process.exit(0)); }); }); };
    probe();
    process.stdin.on('data', () => { stopping = true; });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return {
    async stop() {
      child.stdin.write('stop\n');
      await new Promise((resolve) => child.once('exit', resolve));
      return Number(out);
    },
  };
}

/** Time to the first byte of the answer to a 100 MB body, and the bytes the server took before it answered or closed. */
function oversizedBody(server: RunningServer, chunked: boolean): Promise<{ ms: number; status: string; sentMb: number }> {
  const { port } = new URL(server.baseUrl);
  const total = 100 * 2 ** 20;
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const started = performance.now();
    let sent = 0;
    let done = false;
    const finish = (status: string) => {
      if (done) return;
      done = true;
      resolve({ ms: performance.now() - started, status, sentMb: sent / 2 ** 20 });
      socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => finish(chunk.toString('latin1').split('\r\n')[0] ?? ''));
    socket.on('error', () => finish('connection reset'));
    socket.on('close', () => finish('closed'));
    const length = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${total}`;
    socket.write(`POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n${length}\r\n\r\n`);
    const piece = Buffer.alloc(64 * 1024, 0x20);
    const framed = chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece;
    const pump = () => {
      while (!done && sent < total) {
        sent += piece.length;
        if (!socket.write(framed)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
    setTimeout(() => finish('no answer in 30 s'), 30_000).unref();
  });
}

const main = path.resolve(argument('--main') ?? SESSIONBOARD_MAIN);
const connects = (argument('--connects') ?? '50,500').split(',').map(Number);
const base = sessionboardTarget(2000);
const target: BenchTarget = { ...base, script: main, env: { ...base.env, SESSIONS_KEEP_ENDED: '200', LOG_LEVEL: 'warn' } };
const server = await startServer(target, await freePort());
const figures: [string, string][] = [];
const note = (name: string, value: string) => {
  figures.push([name, value]);
  console.log(`${name}: ${value}`);
};
try {
  await createSessions(server.baseUrl, 200);
  await settle(server.baseUrl);
  const snapshot = await list(server.baseUrl);
  note('snapshot', `${(snapshot.text.length / 2 ** 20).toFixed(2)} MB, ${snapshot.sessions.length} sessions`);
  await sleep(1000);
  const idleHealth = await healthMs(server.baseUrl);
  note('idle: RSS, /api/health', `${mb(readRssBytes(server.pid))}, ${idleHealth.median.toFixed(1)} ms`);

  const stalled = openNonReading(server, 50);
  await sleep(3000);
  const stalledHealth = await healthMs(server.baseUrl);
  note('50 non-reading streams: RSS, /api/health median/max', `${mb(readRssBytes(server.pid))}, ${stalledHealth.median.toFixed(1)}/${stalledHealth.max.toFixed(1)} ms`);
  for (const socket of stalled) socket.destroy();
  await sleep(1000);

  for (const count of connects) {
    const prober = startProber(server.baseUrl);
    await sleep(200);
    const started = performance.now();
    const requests = await connectReading(server.baseUrl, count);
    const ms = performance.now() - started;
    const worstHealth = await prober.stop();
    note(`${count} reading streams connecting at once: all snapshots in, worst /api/health meanwhile`, `${ms.toFixed(0)} ms, ${worstHealth.toFixed(0)} ms`);
    for (const req of requests) req.destroy();
    await sleep(1000);
  }

  const { lastEventId } = await list(server.baseUrl);
  // Each start publishes created, updated (exited) and removed (of the oldest ended): 333 make 999 events.
  await createSessions(server.baseUrl, 333);
  await settle(server.baseUrl);
  await sleep(1000);
  const beforeResume = readRssBytes(server.pid);
  const resuming = openNonReading(server, 20, lastEventId);
  await sleep(3000);
  const resumeHealth = await healthMs(server.baseUrl);
  note(
    '20 non-reading streams resuming 999 events back: RSS before → after, /api/health median',
    `${mb(beforeResume)} → ${mb(readRssBytes(server.pid))}, ${resumeHealth.median.toFixed(1)} ms`,
  );
  for (const socket of resuming) socket.destroy();

  for (const chunked of [false, true]) {
    const answer = await oversizedBody(server, chunked);
    note(
      `100 MB body (${chunked ? 'chunked' : 'Content-Length'}): first answer, body bytes sent`,
      `${answer.ms.toFixed(0)} ms "${answer.status}", ${answer.sentMb.toFixed(1)} MB`,
    );
  }
} finally {
  await server.stop();
}
console.log(`\n| ${path.relative(process.cwd(), main)} | |\n| --- | --- |\n${figures.map(([name, value]) => `| ${name} | ${value} |`).join('\n')}`);
