import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryEventLog, SseBroker, openNodeStream } from '../src/index.ts';

// openNodeStream writes frames straight to the socket as chunks of the chunked body; these
// tests read the raw bytes to hold it to HTTP/1.1 framing, and to its fallbacks.

let server: http.Server | undefined;
let broker: SseBroker;

async function serve(): Promise<number> {
  broker = new SseBroker({ log: new MemoryEventLog({ epoch: 'e' }) });
  server = http.createServer((req, res) => {
    broker.connect(openNodeStream(req, res), { snapshot: () => ({ event: 'snapshot', data: '{}' }) });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  broker.drain();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** Sends a raw request and collects everything the server sends until `done` says so. */
async function exchange(port: number, request: string, done: (text: string) => boolean, onOpen?: () => void): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(request);
  let text = '';
  let opened = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out with ${JSON.stringify(text)}`)), 5000);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!opened && broker.connectionCount === 1) {
        opened = true;
        onOpen?.();
      }
      if (done(text)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(text);
      }
    });
  });
}

const body = (text: string) => text.slice(text.indexOf('\r\n\r\n') + 4);
const frames = 'retry: 2000\n\nid: e-0\nevent: snapshot\ndata: {}\n\n';
const tick = 'id: e-1\nevent: tick\ndata: 1\n\n';
const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;

describe('openNodeStream framing', () => {
  it('sends each write as one chunk of a chunked body, and the last chunk when closed', async () => {
    const port = await serve();
    const text = await exchange(
      port,
      'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
      (received) => received.endsWith('0\r\n\r\n'),
      () => {
        broker.publish('tick', '1');
        broker.drain();
      },
    );
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text.toLowerCase()).toContain('transfer-encoding: chunked\r\n');
    expect(body(text)).toBe(`${chunk(frames)}${chunk(tick)}0\r\n\r\n`);
  });

  it('writes unframed bytes through the response to an HTTP/1.0 client', async () => {
    const port = await serve();
    const text = await exchange(
      port,
      'GET / HTTP/1.0\r\nHost: x\r\n\r\n',
      (received) => received.includes('data: 1\n\n'),
      () => broker.publish('tick', '1'),
    );
    expect(text.toLowerCase()).not.toContain('transfer-encoding');
    expect(body(text)).toBe(`${frames}${tick}`);
  });

  it('sends no body to a HEAD request', async () => {
    const port = await serve();
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.write('HEAD / HTTP/1.1\r\nHost: x\r\n\r\n');
    while (!text.includes('\r\n\r\n')) await once(socket, 'data');
    broker.publish('tick', '1');
    // Anything the publish sent would arrive within a loopback round trip; wait well past it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(body(text)).toBe('');
  });
});
