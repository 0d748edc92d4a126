import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, createSession, openStream, send, startServer, type TestServer } from './helpers.ts';

afterEach(closeAll);

async function metricsOf(server: TestServer): Promise<string> {
  return (await send(`${server.url}/metrics`)).text;
}

/** The value of one sample line, by metric name and exact label set; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((row) => row.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('http_requests_total and http_request_duration_seconds', () => {
  it('count each request by method, route template and status', async () => {
    const server = await startServer();
    const created = await createSession(server, { command: ['true'] });
    await send(`${server.url}/api/sessions/${created.body.id}`);
    await send(`${server.url}/api/sessions/no-such-id`);
    await send(`${server.url}/api/sessions/no-such-id-either`);

    const text = await metricsOf(server);

    expect(sample(text, 'http_requests_total{method="POST",route="/api/sessions",status="201"}')).toBe(1);
    expect(sample(text, 'http_requests_total{method="GET",route="/api/sessions/:id",status="200"}')).toBe(1);
    expect(sample(text, 'http_requests_total{method="GET",route="/api/sessions/:id",status="404"}')).toBe(2);
    expect(sample(text, 'http_request_duration_seconds_count{method="GET",route="/api/sessions/:id",status="404"}')).toBe(2);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/sessions\/:id",status="404"\} \d/);
    expect(text).not.toContain('no-such-id');
  });

  it('label unknown paths as unmatched, so label values stay bounded', async () => {
    const server = await startServer();
    for (let i = 0; i < 20; i++) await send(`${server.url}/api/random-${i}/${i * 7}`);

    const text = await metricsOf(server);

    expect(sample(text, 'http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(20);
    expect(text).not.toContain('random-');
  });

  it('count a stream opened by the fast path as soon as it opens, with the time it took to open', async () => {
    const server = await startServer();
    const stream = await openStream(`${server.url}/api/sse/sessions`);
    await stream.next((frame) => frame.event === 'snapshot');

    const text = await metricsOf(server);

    expect(sample(text, 'http_requests_total{method="GET",route="/api/sse/sessions",status="200"}')).toBe(1);
    const seconds = sample(text, 'http_request_duration_seconds_sum{method="GET",route="/api/sse/sessions",status="200"}');
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(5);
    stream.close();
  });

  it('count requests refused before any route: rate limited, wrong Host, unauthorised', async () => {
    const limited = await startServer({ RATE_LIMIT_PER_MINUTE: '1' });
    await send(`${limited.url}/api/sessions`);
    await send(`${limited.url}/api/sessions`);
    await send(`${limited.url}/api/sessions`, { headers: { Host: 'rebound.example' } });
    const limitedText = await metricsOf(limited);
    expect(sample(limitedText, 'http_requests_total{method="GET",route="/api/sessions",status="200"}')).toBe(1);
    expect(sample(limitedText, 'http_requests_total{method="GET",route="/api/sessions",status="429"}')).toBe(1);
    expect(sample(limitedText, 'http_requests_total{method="GET",route="/api/sessions",status="403"}')).toBe(1);

    const token = 'a-token-of-enough-length';
    const guarded = await startServer({ AUTH_TOKEN: token });
    await send(`${guarded.url}/api/sse/sessions`);
    const guardedText = (await send(`${guarded.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } })).text;
    expect(sample(guardedText, 'http_requests_total{method="GET",route="/api/sse/sessions",status="401"}')).toBe(1);
    expect(sample(guardedText, 'sse_connection_errors_total{reason="unauthorized"}')).toBe(1);
  });
});

describe('stream metrics', () => {
  it('count refused streams as connection errors', async () => {
    const server = await startServer({ SSE_MAX_CONNECTIONS: '1' });
    const held = await openStream(`${server.url}/api/sse/sessions`);
    await send(`${server.url}/api/sse/sessions`);
    await send(`${server.url}/api/sse/sessions`);

    const text = await metricsOf(server);

    expect(sample(text, 'sse_connection_errors_total{reason="refused"}')).toBe(2);
    expect(sample(text, 'http_requests_total{method="GET",route="/api/sse/sessions",status="503"}')).toBe(2);
    held.close();
  });

  it('count reconnections by outcome', async () => {
    const server = await startServer();
    const first = await openStream(`${server.url}/api/sse/sessions`);
    const snapshot = await first.next((frame) => frame.event === 'snapshot');
    first.close();
    const replayed = await openStream(`${server.url}/api/sse/sessions`, { 'Last-Event-ID': snapshot.id ?? '' });
    const unknown = await openStream(`${server.url}/api/sse/sessions?lastEventId=no-such-event`);
    await unknown.next((frame) => frame.event === 'snapshot');

    const text = await metricsOf(server);

    expect(sample(text, 'sse_reconnection_attempts_total{outcome="replayed"}')).toBe(1);
    expect(sample(text, 'sse_reconnection_attempts_total{outcome="snapshot"}')).toBe(1);
    replayed.close();
    unknown.close();
  });

  it('time the fan-out of each event to the open streams', async () => {
    const server = await startServer();
    const stream = await openStream(`${server.url}/api/sse/sessions`);
    await stream.next((frame) => frame.event === 'snapshot');
    const before = sample(await metricsOf(server), 'sse_fanout_duration_seconds_count') ?? 0;

    await createSession(server, { command: ['true'] });
    await stream.next((frame) => frame.event === 'session_updated');

    const text = await metricsOf(server);
    expect(before).toBe(0);
    expect(sample(text, 'sse_fanout_duration_seconds_count')).toBe(2);
    expect(sample(text, 'sse_fanout_duration_seconds_sum')).toBeGreaterThan(0);
    stream.close();
  });
});
