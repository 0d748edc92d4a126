import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpProcess, type HttpProcess } from './httpProcess.ts';
import { freePort } from './redisServer.ts';

/** Where the repository's ops files are. */
export const OPS_DIR = new URL('../../../ops/', import.meta.url).pathname;

/** A real Prometheus process on a free 127.0.0.1 port, with its storage in a temp dir. */
export interface PrometheusProcess extends HttpProcess {
  /** Instant query through the HTTP API; throws when Prometheus refuses the query. */
  query(expr: string): Promise<PromSeries[]>;
  /** Resolves once every target has been scraped `count` more times (by `up`'s sample count). */
  waitForScrapes(count: number, timeoutMs?: number): Promise<void>;
}

export interface PromSeries {
  metric: Record<string, string>;
  value: [number, string];
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
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
    '--storage.tsdb.retention.time=1h',
  ];
  const { url, output, stop } = await startHttpProcess({ name: 'prometheus', command: 'prometheus', args, port, dir, probePath: '/-/ready', timeoutMs: 20_000, intervalMs: 100 });

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
    output,
    stop,
  };
}
