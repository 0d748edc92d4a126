import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Session } from '@sessionboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { killGroups, list, startInstance } from './clusterHelpers.ts';
import { closeAll, createSession, listen, waitFor } from './helpers.ts';
import { freePort, startRedis, stopRedises } from './redisServer.ts';

const CONFIG = new URL('../../../docs/deploy/nginx.conf', import.meta.url);
const STREAM = '/api/sse/sessions';
/** Debian's nginx lives in /usr/sbin, which is not on every user's PATH. */
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
let nginx: ChildProcess | undefined;
let prefix: string | undefined;
const started: Session[] = [];

afterEach(async () => {
  await stopNginx();
  await closeAll();
  killGroups(started.splice(0));
  await stopRedises();
  if (prefix !== undefined) await rm(prefix, { recursive: true, force: true });
});

/** Stops nginx with SIGTERM, so that its master ends its workers too (SIGKILL would orphan them). */
async function stopNginx(): Promise<void> {
  const child = nginx;
  nginx = undefined;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Runs nginx with the shipped config, its instances' and its own ports swapped for free ones. */
async function startNginx(instancePorts: [number, number]): Promise<string> {
  prefix = await mkdtemp(join(tmpdir(), 'sessionboard-nginx-'));
  const port = await freePort();
  const config = (await readFile(CONFIG, 'utf8'))
    .replace('127.0.0.1:4021', `127.0.0.1:${instancePorts[0]}`)
    .replace('127.0.0.1:4022', `127.0.0.1:${instancePorts[1]}`)
    .replace('listen 127.0.0.1:8080', `listen 127.0.0.1:${port}`);
  await writeFile(join(prefix, 'nginx.conf'), config);
  nginx = spawn(NGINX, ['-p', prefix, '-e', 'stderr', '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return `http://127.0.0.1:${port}`;
    if (Date.now() > deadline) throw new Error('nginx did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('docs/deploy/nginx.conf in front of two instances', () => {
  it('spreads streams over both instances round-robin and delivers each event live', async () => {
    const redis = await startRedis();
    const a = await startInstance(redis, 'a:1');
    const b = await startInstance(redis, 'b:1');
    const url = await startNginx([Number(new URL(a.url).port), Number(new URL(b.url).port)]);
    const clients = Array.from({ length: 4 }, () => listen(`${url}${STREAM}`));
    await Promise.all(clients.map((client) => client.waitForCount(1)));
    expect([a.broker.connectionCount, b.broker.connectionCount]).toEqual([2, 2]);

    for (let i = 0; i < 3; i++) {
      const sentAt = Date.now();
      const created = await createSession({ ...a, url }, { command: ['sleep', '30'] });
      started.push(created.body);
      await Promise.all(clients.map((client) => waitFor(() => (client.events.some((e) => e.data.session?.id === created.body.id) ? true : undefined), 2000)));
      expect(Date.now() - sentAt).toBeLessThan(1500);
    }
    expect((await list(url)).sessions).toHaveLength(3);
  });

  it('sends a client to the other instance when its own stops answering, and it resumes there by id', async () => {
    const redis = await startRedis();
    const a = await startInstance(redis, 'a:1');
    const b = await startInstance(redis, 'b:1');
    const url = await startNginx([Number(new URL(a.url).port), Number(new URL(b.url).port)]);
    const client = listen(`${url}${STREAM}`);
    await client.waitForCount(1);
    const [gone, stays] = a.broker.connectionCount === 1 ? [a, b] : [b, a];

    gone.server.close();
    gone.server.closeAllConnections();
    const created = await createSession({ ...stays, url }, { command: ['sleep', '30'] });
    started.push(created.body);

    await waitFor(() => (client.events.some((e) => e.data.session?.id === created.body.id) ? true : undefined), 10_000);
    expect(stays.broker.connectionCount).toBe(1);
    expect(stays.broker.stats().resumesReplayed + stays.broker.stats().resumesUnknownId).toBe(1);
    expect(client.events.filter((e) => e.event === 'snapshot')).toHaveLength(stays.broker.stats().resumesUnknownId + 1);
  });
});
