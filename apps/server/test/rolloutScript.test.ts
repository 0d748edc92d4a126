import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, openStream, send, type RawStream } from './helpers.ts';
import { startPrometheus, type PrometheusProcess } from './prometheus.ts';
import { freePort } from './redisServer.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const ROLLOUT = join(ROOT, 'scripts', 'rollout.mjs');
const RESTART = new URL('restartServer.mjs', import.meta.url).pathname;

interface Run {
  code: number | null;
  output: string;
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
  await closeAll();
});

/**
 * Dashboards as browsers run them, each with its own rollout bucket: a dashboard in the
 * rollout keeps a stream open (and opens a new one when it drops); one refused polls
 * `GET /api/sessions` and asks for the stream again on the next tick. Ticks every 300 ms
 * until stopped; bounded by `maxMs`.
 */
function dashboards(base: string, buckets: number[], maxMs: number): { stop(): Promise<void> } {
  const streams = new Map<number, RawStream>();
  let running = true;
  const deadline = Date.now() + maxMs;
  const tick = async (bucket: number) => {
    if (streams.has(bucket)) return;
    const cookie = { Cookie: `sessionboard_bucket=${bucket}` };
    try {
      const stream = await openStream(`${base}/api/sse/sessions`, cookie);
      if (stream.status === 200) {
        streams.set(bucket, stream);
        void stream.ended.then(() => streams.get(bucket) === stream && streams.delete(bucket));
        return;
      }
      await send(`${base}/api/sessions`, { headers: cookie });
    } catch {
      // The server is restarting: try again on the next tick.
    }
  };
  const loop = (async () => {
    while (running && Date.now() < deadline) {
      await Promise.all(buckets.map(tick));
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      for (const stream of streams.values()) stream.close();
    },
  };
}

/** A server on a fixed port that `restartServer.mjs` restarts, a Prometheus scraping it, and dashboards. */
async function setUp(serverEnv: Record<string, string>): Promise<{ prometheus: PrometheusProcess; port: number; stateDir: string; restart: string }> {
  const stateDir = await mkdtemp(join(tmpdir(), 'sessionboard-rollout-'));
  const port = await freePort();
  const restart = `${Object.entries(serverEnv).map(([name, value]) => `${name}=${value} `).join('')}${JSON.stringify(process.execPath)} ${JSON.stringify(RESTART)} ${JSON.stringify(stateDir)} ${port}`;
  cleanups.push(async () => {
    const pid = Number(await readFile(join(stateDir, 'server.pid'), 'utf8').catch(() => '0'));
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await rm(stateDir, { recursive: true, force: true });
  });
  const prometheus = await startPrometheus({ targets: [`127.0.0.1:${port}`], scrapeIntervalS: 1 });
  cleanups.push(() => prometheus.stop());
  return { prometheus, port, stateDir, restart };
}

function runRollout(args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ROLLOUT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const BUCKETS = Array.from({ length: 20 }, (_, i) => i * 5);
const FAST = ['--watch', '6', '--interval', '2', '--window', '10s', '--settle', '30'];

describe('scripts/rollout.mjs', () => {
  it('rolls a healthy server out 10 → 50 → 100 % and exits 0', async () => {
    const { prometheus, port, restart } = await setUp({});
    const load = dashboards(`http://127.0.0.1:${port}`, BUCKETS, 90_000);
    cleanups.push(() => load.stop());

    const run = await runRollout(['--prometheus', prometheus.url, '--restart', restart, '--steps', '10,50,100', ...FAST], 100_000);

    expect(run.code, run.output).toBe(0);
    for (const percent of [10, 50, 100]) {
      expect(run.output).toContain(`Prometheus sees 1 instance(s) at ${percent} %`);
      expect(run.output).toContain(`${percent} % held for 6 s`);
    }
    expect(run.output).toMatch(/rollout complete at 100 %\n$/);
    expect(run.output).not.toContain('BREACH');
    const health = JSON.parse((await send(`http://127.0.0.1:${port}/api/health`)).text) as { sse: { rolloutPercent: number } };
    expect(health.sse.rolloutPercent).toBe(100);
  }, 120_000);

  it('rolls back to 0 % and exits 1 when a step makes the stream fail', async () => {
    // Made to fail honestly: room for 3 streams (SSE_MAX_CONNECTIONS=3) on a server whose
    // 20 dashboards all want one at 50 %, so the rollout brings real 503 too_many_connections.
    const { prometheus, port, restart } = await setUp({ SSE_MAX_CONNECTIONS: '3' });
    const load = dashboards(`http://127.0.0.1:${port}`, BUCKETS, 90_000);
    cleanups.push(() => load.stop());

    const run = await runRollout(['--prometheus', prometheus.url, '--restart', restart, '--steps', '10,50,100', ...FAST], 100_000);

    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain('10 % held for 6 s');
    expect(run.output).toMatch(/BREACH: stream error ratio \d+\.\d\d % is above 5\.00 %; rolling back to 0 %/);
    expect(run.output).toContain('rolled back to 0 %');
    expect(run.output).not.toContain('restarting at 100 %');
    const health = JSON.parse((await send(`http://127.0.0.1:${port}/api/health`)).text) as { sse: { rolloutPercent: number } };
    expect(health.sse.rolloutPercent).toBe(0);
  }, 120_000);

  it('refuses bad options with a usage line and exit 2', async () => {
    const run = await runRollout(['--prometheus', 'http://127.0.0.1:1', '--restart', 'true', '--steps', '50,10'], 10_000);
    expect(run.code).toBe(2);
    expect(run.output).toContain('rollout: --steps must grow, got 50,10');
    expect(run.output).toContain('usage: node scripts/rollout.mjs');
  });
});
