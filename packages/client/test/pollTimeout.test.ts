import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSessionsClient } from '../src/createSessionsClient.ts';
import type { SessionsClient } from '../src/createSessionsClient.ts';

let server: Server | undefined;
let client: SessionsClient | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  client?.stop();
  client = undefined;
  for (const socket of sockets.splice(0)) socket.destroy();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A server that accepts connections, reads the requests and never answers: a stuck proxy. */
async function blackHole(): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  server = createServer((socket) => {
    connections += 1;
    sockets.push(socket);
    socket.on('data', () => {});
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

const until = async (probe: () => boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!probe() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('polling against a server that never answers', () => {
  it('gives up on a poll after the poll interval, says offline and polls again', async () => {
    const { url, connections } = await blackHole();
    client = createSessionsClient({ baseUrl: url, EventSource: null, pollIntervalMs: 200 });
    client.start();

    await until(() => connections() >= 3 && client?.getState().status === 'offline', 3000);

    expect(client.getState().status).toBe('offline');
    expect(client.getState().error).toBe('The server did not answer within 200 ms.');
    expect(connections()).toBeGreaterThanOrEqual(3);
  });
});
