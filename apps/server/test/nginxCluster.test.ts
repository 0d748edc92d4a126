import type { Session } from '@sessionboard/protocol';
import { sessionOutputStreamPath } from '@sessionboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { killGroups, list, startInstance } from './clusterHelpers.ts';
import { closeAll, createSession, listen, openStream, waitFor } from './helpers.ts';
import { startNginx as runNginx, type NginxProcess } from './nginxProcess.ts';
import { startRedis, stopRedises } from './redisServer.ts';

const STREAM = '/api/sse/sessions';
let nginx: NginxProcess | undefined;
const started: Session[] = [];

afterEach(async () => {
  await nginx?.stop();
  nginx = undefined;
  await closeAll();
  killGroups(started.splice(0));
  await stopRedises();
});

/** Runs nginx with the shipped configuration in front of the two instances. */
async function startNginx(instancePorts: [number, number]): Promise<string> {
  nginx = await runNginx(instancePorts);
  return nginx.url;
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

  it('streams a session\'s output live whichever instance a stream lands on, each byte once, unbuffered', async () => {
    const redis = await startRedis();
    const a = await startInstance(redis, 'a:1');
    const b = await startInstance(redis, 'b:1');
    const url = await startNginx([Number(new URL(a.url).port), Number(new URL(b.url).port)]);
    const created = await createSession({ ...a, url }, { command: ['sh', '-c', 'echo first; sleep 1; echo second; sleep 30'] });
    started.push(created.body);

    const streams = await Promise.all([0, 1].map(() => openStream(`${url}${sessionOutputStreamPath(created.body.id)}`)));
    await Promise.all(streams.map((stream) => stream.next((frame) => (frame.data ?? '').includes('first'), { timeoutMs: 5000 })));
    const waits = await Promise.all(
      streams.map(async (stream) => {
        const from = stream.frames.length;
        await stream.next((frame) => (frame.data ?? '').includes('second'), { from, timeoutMs: 5000 });
        return Date.now();
      }),
    );

    // One stream on each instance: nginx spread them, and the one on b follows a's output.
    expect([a.outputStreams.count, b.outputStreams.count]).toEqual([1, 1]);
    for (const stream of streams) {
      const texts = stream.frames.filter((frame) => frame.event === 'output').map((frame) => (JSON.parse(frame.data ?? '') as { text: string }).text);
      expect(texts.join('')).toBe('first\nsecond\n');
    }
    // Both got "second" within a moment of each other: neither was held in a buffer.
    expect(Math.abs((waits[0] ?? 0) - (waits[1] ?? 0))).toBeLessThan(500);
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
