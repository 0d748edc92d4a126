import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, openStream, send, sendJson, startServer } from './helpers.ts';
import { startNginx as runNginx, type NginxProcess } from './nginxProcess.ts';

let nginx: NginxProcess | undefined;
afterEach(async () => {
  await nginx?.stop();
  nginx = undefined;
  await closeAll();
});

/** Runs real nginx with the shipped configuration (docs/deploy/nginx.conf and ops/nginx/sessionboard.conf) in front of one server. */
async function startNginx(upstreamPort: number): Promise<string> {
  nginx = await runNginx([upstreamPort]);
  return nginx.url;
}

describe('behind nginx with the shipped configuration', () => {
  it('passes each event on at once and keeps a quiet stream open across heartbeats', async () => {
    const server = await startServer({ SSE_HEARTBEAT_MS: '300', TRUST_PROXY: 'loopback' });
    const proxy = await startNginx(Number(new URL(server.url).port));

    const stream = await openStream(`${proxy}/api/sse/sessions`);
    await stream.next((frame) => frame.event === 'snapshot');
    const pings = await stream.next((frame) => frame.event === 'ping', { timeoutMs: 3000 });
    const created = await sendJson(`${proxy}/api/sessions`, 'POST', { command: ['sleep', '30'] });
    const sentAt = Date.now();
    await stream.next((frame) => frame.event === 'session_created', { timeoutMs: 3000 });

    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.headers['content-encoding']).toBeUndefined();
    expect(pings.data).toMatch(/^\{"type":"ping","at":\d+\}$/);
    expect(created.status).toBe(201);
    // Buffered, it would come only once nginx's buffer filled or the stream ended.
    expect(Date.now() - sentAt).toBeLessThan(1000);
    stream.close();
  });

  it('counts the rate limit per client, not per proxy, with TRUST_PROXY=loopback', async () => {
    const server = await startServer({ RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: 'loopback' });
    const proxy = await startNginx(Number(new URL(server.url).port));
    const from = (address: string) => send(`${proxy}/api/sessions`, { headers: { 'X-Forwarded-For': address } });

    const first = [await from('203.0.113.5'), await from('203.0.113.5'), await from('203.0.113.5')];
    const other = await from('203.0.113.6');

    expect(first.map((reply) => reply.status)).toEqual([200, 200, 429]);
    expect(other.status).toBe(200);
  });

  it('lets the API through with the error envelope intact', async () => {
    const server = await startServer({ TRUST_PROXY: 'loopback' });
    const proxy = await startNginx(Number(new URL(server.url).port));
    const missing = await send(`${proxy}/api/sessions/nope`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toMatchObject({ error: { code: 'not_found' } });
  });
});
