import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the repository's ops files are. */
export const OPS_DIR = new URL('../../../ops/', import.meta.url).pathname;

/** A real Prometheus process on a free 127.0.0.1 port, with its storage in a temp dir. */
export interface PrometheusProcess {
  url: string;
  /** Instant query through the HTTP API; throws when Prometheus refuses the query. */
  query(expr: string): Promise<PromSeries[]>;
  /** Resolves once every target has been scraped `count` more times (by `up`'s sample count). */
  waitForScrapes(count: number, timeoutMs?: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export interface PromSeries {
  metric: Record<string, string>;
  value: [number, string];
}

/** A port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts Prometheus scraping `targets` (host:port) as job `sessionboard` every
 * `scrapeIntervalS` seconds, loading `ruleFiles`, and waits until it is ready.
 */
export async function startPrometheus(options: { targets: string[]; scrapeIntervalS?: number; ruleFiles?: string[] }): Promise<PrometheusProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'sessionboard-prometheus-'));
  const interval = `${options.scrapeIntervalS ?? 1}s`;
  const config = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    ...(options.ruleFiles?.length ? ['rule_files:', ...options.ruleFiles.map((file) => `  - ${JSON.stringify(file)}`)] : []),
    'scrape_configs:',
    '  - job_name: sessionboard',
    `    scrape_interval: ${interval}`,
    `    scrape_timeout: ${interval}`,
    '    static_configs:',
    `      - targets: ${JSON.stringify(options.targets)}`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      '--storage.tsdb.retention.time=1h',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${output}`);
    const ready = await fetch(`${url}/-/ready`).then((reply) => reply.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready within 20 s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const query = async (expr: string) => {
    const reply = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await reply.json()) as { status: string; error?: string; data?: { resultType: string; result: PromSeries[] } };
    if (body.status !== 'success') throw new Error(`prometheus refused ${expr}: ${body.error}`);
    return body.data?.result ?? [];
  };

  return {
    url,
    query,
    async waitForScrapes(count, timeoutMs = 30_000) {
      const samples = async () => {
        const result = await query(`count_over_time(up{job="sessionboard"}[1h])`);
        return result.length === 0 ? 0 : Math.min(...result.map((series) => Number(series.value[1])));
      };
      const target = (await samples()) + count;
      const end = Date.now() + timeoutMs;
      while ((await samples()) < target) {
        if (Date.now() > end) throw new Error(`fewer than ${count} scrapes within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    output: () => output,
    stop,
  };
}
