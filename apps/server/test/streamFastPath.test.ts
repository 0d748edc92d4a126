import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, openStream, startServer, type TestServer } from './helpers.ts';

afterEach(closeAll);

/** The same app served by Express alone, without the stream fast path. */
async function expressOnly(server: TestServer): Promise<{ url: string; close(): Promise<void> }> {
  const plain = createServer(server.app);
  plain.listen(0, '127.0.0.1');
  await once(plain, 'listening');
  const { port } = plain.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      plain.closeAllConnections();
      await new Promise((resolve) => plain.close(resolve));
    },
  };
}

const comparable = (headers: Record<string, unknown>) => {
  const { date: _date, ...rest } = headers;
  return rest;
};

describe('the stream fast path', () => {
  it('sends the same headers and opening as the Express route', async () => {
    const server = await startServer({ CORS_ORIGINS: 'https://board.example' });
    const plain = await expressOnly(server);
    // With a rollout bucket, so that neither answer sets a (random) one.
    const headers = { Origin: 'https://board.example', Cookie: 'sessionboard_bucket=0' };
    const fast = await openStream(`${server.url}/api/sse/sessions`, headers);
    const slow = await openStream(`${plain.url}/api/sse/sessions`, headers);
    const [fastSnapshot, slowSnapshot] = await Promise.all([
      fast.next((frame) => frame.event === 'snapshot'),
      slow.next((frame) => frame.event === 'snapshot'),
    ]);
    expect(fastSnapshot.id).toBe(slowSnapshot.id);
    expect(fast.status).toBe(200);
    expect(comparable(fast.headers)).toEqual(comparable(slow.headers));
    expect(fast.headers['content-security-policy']).toContain("default-src 'self'");
    expect(fast.headers['access-control-allow-origin']).toBe('https://board.example');
    expect(fast.headers['vary']).toBe('Origin');
    fast.close();
    slow.close();
    await plain.close();
  });

  it('leaves refusals to Express, with their envelope and headers', async () => {
    const server = await startServer({ SSE_MAX_CONNECTIONS: '1' });
    const held = await openStream(`${server.url}/api/sse/sessions`);
    const refused = await fetch(`${server.url}/api/sse/sessions`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('too_many_connections');
    held.close();
  });

  it('does not take paths that only start like the stream', async () => {
    const server = await startServer();
    const reply = await fetch(`${server.url}/api/sse/sessionsX`);
    expect(reply.status).toBe(404);
  });
});
