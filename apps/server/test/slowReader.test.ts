import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, listen, startServer, waitFor } from './helpers.ts';

afterEach(closeAll);

describe('slow reader', () => {
  it('disconnects a stream that stops reading, keeps serving the others and holds nothing for it', async () => {
    const server = await startServer();
    const serverSockets: Socket[] = [];
    server.server.on('connection', (socket) => serverSockets.push(socket));
    const fast = listen(`${server.url}/api/sse/sessions`, ['snapshot', 'session_updated']);
    await fast.waitForCount(1);

    // A client that sends its request and then never reads a byte.
    const slow = connect(Number(new URL(server.url).port), '127.0.0.1');
    slow.on('error', () => {});
    slow.pause();
    slow.write('GET /api/sse/sessions HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n');
    await waitFor(() => (server.broker.connectionCount === 2 ? true : undefined));
    const slowServerSide = serverSockets.at(-1);

    const data = JSON.stringify({ type: 'session_updated', padding: 'x'.repeat(16 * 1024) });
    let published = 0;
    while (server.broker.stats().slowClosed === 0 && published < 2000) {
      for (let i = 0; i < 8; i++) server.broker.publish('session_updated', data);
      published += 8;
      // The fast client reads each batch (128 KiB) before the next is published.
      await fast.waitForCount(1 + published);
    }

    expect(server.broker.stats()).toMatchObject({ slowClosed: 1, connections: 1 });
    expect(published).toBeLessThan(2000);
    expect(slowServerSide?.destroyed).toBe(true);
    expect(slowServerSide?.writableLength).toBe(0);
    expect(fast.events).toHaveLength(1 + published);
    slow.destroy();
  });
});
