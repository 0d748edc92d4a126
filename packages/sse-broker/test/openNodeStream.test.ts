import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryEventLog, SseBroker, openNodeStream } from '../src/index.ts';

interface Harness {
  broker: SseBroker;
  url: string;
  close(): Promise<void>;
}

async function serve(broker: SseBroker): Promise<Harness> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const lastEventId = (req.headers['last-event-id'] as string | undefined) ?? url.searchParams.get('lastEventId') ?? undefined;
    broker.connect(openNodeStream(req, res), {
      lastEventId,
      snapshot: () => ({ event: 'snapshot', data: JSON.stringify({ type: 'snapshot', n: 0 }) }),
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    broker,
    url: `http://127.0.0.1:${port}/`,
    async close() {
      broker.drain();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function until(predicate: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate()) resolve();
      else if (Date.now() - start > ms) reject(new Error('timed out'));
      else setTimeout(check, 5);
    };
    check();
  });
}

let harness: Harness | undefined;
const sources: EventSource[] = [];
afterEach(async () => {
  for (const source of sources.splice(0)) source.close();
  await harness?.close();
  harness = undefined;
});

describe('openNodeStream on a real socket', () => {
  it('answers 200 with the headers that keep the stream unbuffered', async () => {
    harness = await serve(new SseBroker());
    const res = await new Promise<http.IncomingMessage>((resolve) => http.get(harness!.url, resolve));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache, no-transform');
    expect(res.headers['x-accel-buffering']).toBe('no');
    expect(res.headers['content-encoding']).toBeUndefined();
    res.destroy();
  });

  it('delivers the snapshot and then live events to the eventsource client', async () => {
    harness = await serve(new SseBroker({ log: new MemoryEventLog({ epoch: 'e' }) }));
    const source = new EventSource(harness.url);
    sources.push(source);
    const seen: string[] = [];
    source.addEventListener('snapshot', (e) => seen.push(`snapshot ${e.lastEventId}`));
    source.addEventListener('tick', (e) => seen.push(`tick ${e.lastEventId} ${e.data}`));
    await until(() => seen.length === 1);
    harness.broker.publish('tick', 'a\nb');
    await until(() => seen.length === 2);
    expect(seen).toEqual(['snapshot e-0', 'tick e-1 a\nb']);
  });

  it('resumes a reconnecting client from its last id without a snapshot', async () => {
    harness = await serve(new SseBroker({ log: new MemoryEventLog({ epoch: 'e' }) }));
    for (let i = 1; i <= 3; i++) harness.broker.publish('tick', String(i));
    const res = await new Promise<http.IncomingMessage>((resolve) =>
      http.get(harness!.url, { headers: { 'Last-Event-ID': 'e-1' } }, resolve),
    );
    let body = '';
    res.on('data', (chunk: Buffer) => (body += chunk.toString()));
    await until(() => body.includes('data: 3'));
    expect(body).toBe('retry: 2000\n\nid: e-2\nevent: tick\ndata: 2\n\nid: e-3\nevent: tick\ndata: 3\n\n');
    res.destroy();
  });

  it('closes a client that stops reading once its buffer limit is reached, bounding memory', async () => {
    const limit = 64 * 1024;
    harness = await serve(new SseBroker({ maxBufferedBytes: limit }));
    const { port } = new URL(harness.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => harness!.broker.connectionCount === 1);
    socket.pause();
    const payload = 'x'.repeat(1000);
    let published = 0;
    while (harness.broker.connectionCount === 1 && published < 100_000) {
      harness.broker.publish('tick', payload);
      published += 1;
      // Let the kernel buffers fill as they would in real time.
      if (published % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(harness.broker.connectionCount).toBe(0);
    expect(harness.broker.stats().slowClosed).toBe(1);
    // Closed long before everything published could have been buffered for it.
    expect(published).toBeLessThan(5000);
    socket.destroy();
  });

  it('writes a snapshot far above the buffer limit to a client that does not read, a piece at a time', async () => {
    const broker = new SseBroker({ maxBufferedBytes: 256 * 1024 });
    const data = 'x'.repeat(16 * 2 ** 20);
    const sockets: net.Socket[] = [];
    const server = http.createServer((req, res) => {
      sockets.push(req.socket);
      broker.connect(openNodeStream(req, res), { snapshot: () => ({ event: 'snapshot', data }) });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    harness = {
      broker,
      url: '',
      async close() {
        broker.drain();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
    const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    client.pause();
    client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => broker.connectionCount === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const queued = sockets[0]?.writableLength ?? Number.NaN;

    let received = 0;
    client.on('data', (chunk: Buffer) => (received += chunk.length));
    client.resume();
    await until(() => received > data.length, 10_000);

    // Whatever the kernel holds, the server queued no more than a piece and a socket's high-water mark.
    expect(queued).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);
    expect(broker.connectionCount).toBe(1);
    client.destroy();
  });
});
