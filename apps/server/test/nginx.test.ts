import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, openStream, send, sendJson, startServer, waitFor } from './helpers.ts';
import { OPS_DIR, freePort } from './prometheus.ts';

let stopNginx: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopNginx?.();
  stopNginx = undefined;
  await closeAll();
});

/** Runs real nginx with ops/nginx/sessionboard.conf, its upstream and port replaced. */
async function startNginx(upstreamPort: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sessionboard-nginx-'));
  const port = await freePort();
  const site = (await readFile(join(OPS_DIR, 'nginx', 'sessionboard.conf'), 'utf8'))
    .replace('server 127.0.0.1:4021;', `server 127.0.0.1:${upstreamPort};`)
    .replace('listen 8080;', `listen 127.0.0.1:${port};`);
  await writeFile(join(dir, 'site.conf'), site);
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`;
  await writeFile(
    join(dir, 'nginx.conf'),
    [
      // As root, workers would run as nobody and could not use this temp dir.
      process.getuid?.() === 0 ? 'user root;' : '',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 256; }',
      'http {',
      `  access_log off; ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
      `  include ${join(dir, 'site.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  stopNginx = async () => {
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  await waitFor(() => (child.exitCode !== null ? (() => { throw new Error(`nginx exited: ${output}`); })() : undefined), 300).catch((error: Error) => {
    if (error.message.startsWith('nginx exited')) throw error;
  });
  for (let i = 0; ; i++) {
    if (await fetch(`${url}/api/health`).then((reply) => reply.ok, () => false)) break;
    if (i > 100) throw new Error(`nginx did not answer: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return url;
}

describe('behind nginx with ops/nginx/sessionboard.conf', () => {
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
