import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS_FROM_OTHER_BRANCHES, asPrometheusQuery, dataPanels } from './grafanaDashboard.ts';
import { closeAll, createSession, openStream, send, startServer, type TestServer } from './helpers.ts';
import { startPrometheus, type PrometheusProcess } from './prometheus.ts';

let server: TestServer;
let prometheus: PrometheusProcess;

/**
 * A small, bounded load: dashboards in and out of the rollout polling and streaming,
 * sessions started and removed, resumes, 404s, then requests past the rate limit. At most `rounds` rounds, ~200 ms apart.
 */
async function load(target: TestServer, rounds: number): Promise<void> {
  let lastId = '';
  for (let round = 0; round < rounds; round++) {
    const bucket = (round * 37) % 100;
    await send(`${target.url}/api/sessions`, { headers: { Cookie: `sessionboard_bucket=${bucket}` } });
    const stream = await openStream(`${target.url}/api/sse/sessions${lastId ? `?lastEventId=${lastId}` : ''}`, { Cookie: `sessionboard_bucket=${bucket}` });
    if (stream.status === 200) {
      const first = await stream.next((frame) => frame.id !== undefined || frame.event === 'session_created', { timeoutMs: 2000 }).catch(() => undefined);
      const session = (await createSession(target, { command: ['true'] })).body;
      const created = await stream.next((frame) => frame.event === 'session_created', { timeoutMs: 2000 }).catch(() => undefined);
      lastId = created?.id ?? first?.id ?? lastId;
      await send(`${target.url}/api/sessions/${session.id}`, { method: 'DELETE' });
    }
    stream.close();
    await send(`${target.url}/api/no-such-route`);
    await send(`${target.url}/api/sessions/no-such-id`);
    await sleep(200);
  }
  // Past RATE_LIMIT_PER_MINUTE: some 429s.
  for (let i = 0; i < 300; i++) if ((await send(`${target.url}/api/fs/dirs`)).status === 429) break;
}

beforeAll(async () => {
  server = await startServer({ SSE_ROLLOUT_PERCENT: '50', RATE_LIMIT_PER_MINUTE: '300', INSTANCE_NAME: 'panel-test' });
  prometheus = await startPrometheus({ targets: [new URL(server.url).host], scrapeIntervalS: 1 });
  const loading = load(server, 40);
  await prometheus.waitForScrapes(3);
  await loading;
  await prometheus.waitForScrapes(2);
}, 90_000);

afterAll(async () => {
  await prometheus?.stop();
  await closeAll();
});

const targets = dataPanels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, refId: target.refId, expr: target.expr })));
const fromOtherBranches = (expr: string) => METRICS_FROM_OTHER_BRANCHES.some((metric) => new RegExp(`\\b${metric}\\b`).test(expr));

describe('every Grafana panel query on a real Prometheus scraping a real server', () => {
  it('scrapes the server', async () => {
    const up = await prometheus.query('up{job="sessionboard"}');
    expect(up.map((series) => series.value[1])).toEqual(['1']);
  });

  it.each(targets.map((target) => [`${target.panel} ${target.refId}`, target] as const))('%s parses and returns series', async (_name, target) => {
    const series = await prometheus.query(asPrometheusQuery(target.expr));
    if (fromOtherBranches(target.expr)) {
      // Parsed (query() throws otherwise); its metric comes with another branch.
      expect(Array.isArray(series)).toBe(true);
      return;
    }
    expect(series.length, asPrometheusQuery(target.expr)).toBeGreaterThan(0);
  });

  it('sees the load in the figures the panels plot', async () => {
    const value = async (expr: string) => Number((await prometheus.query(expr))[0]?.value[1] ?? NaN);
    expect(await value('sum(http_requests_total{route="unmatched",status="404"})')).toBeGreaterThanOrEqual(40);
    expect(await value('sum(http_requests_total{route="/api/sessions/:id",status="404"})')).toBeGreaterThanOrEqual(40);
    expect(await value('sum(sse_rollout_streams_total{rollout="in"})')).toBeGreaterThan(0);
    expect(await value('sum(sse_rollout_streams_total{rollout="out"})')).toBeGreaterThan(0);
    expect(await value('sum(sse_reconnection_attempts_total{outcome="replayed"})')).toBeGreaterThan(0);
    expect(await value('sse_fanout_duration_seconds_count')).toBeGreaterThan(0);
    expect(await value('sse_rollout_percent')).toBe(50);
  });
});
