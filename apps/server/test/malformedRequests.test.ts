import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, errorOf, send, startServer, type TestServer } from './helpers.ts';

afterEach(closeAll);

/** Sends raw bytes and returns all the server answers before it closes the connection. */
async function raw(server: TestServer, bytes: Buffer): Promise<{ head: string; body: string }> {
  const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
  await once(socket, 'connect');
  socket.write(bytes);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve) => socket.once('close', resolve));
  const text = Buffer.concat(chunks).toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  return { head: text.slice(0, end), body: text.slice(end + 4) };
}

describe('requests Node cannot parse', () => {
  it.each([
    ['raw bytes above 0x7F in the path', Buffer.from('GET /api/\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'latin1'), 400, 'invalid_path'],
    ['raw bytes above 0x7F in the query', Buffer.from('GET /api/sessions?x=\xe9 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'latin1'), 400, 'invalid_path'],
    ['a header name with a space', Buffer.from('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n'), 400, 'invalid_body'],
    ['headers over 16 KiB', Buffer.from(`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`), 431, 'invalid_body'],
  ])('answers %s with the JSON error envelope and closes', async (_name, bytes, status, code) => {
    const server = await startServer();

    const { head, body } = await raw(server, bytes);

    expect(head.split('\r\n')[0]).toBe(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}`);
    expect(head).toContain('\r\nContent-Type: application/json; charset=utf-8');
    expect(head).toContain('\r\nConnection: close');
    expect(JSON.parse(body)).toEqual({ error: { code, message: expect.any(String) } });
  });
});

describe('OPTIONS', () => {
  const routes: [string, string][] = [
    ['/api/health', 'GET, HEAD'],
    ['/api/sessions', 'GET, HEAD, POST'],
    ['/api/sessions/some-id', 'GET, HEAD, DELETE'],
    ['/api/sessions/some-id/output', 'GET, HEAD'],
    ['/api/sse/sessions', 'GET, HEAD'],
    ['/api/sse/sessions/some-id/output', 'GET, HEAD'],
    ['/api/fs/dirs', 'GET, HEAD'],
    ['/api/auth/login', 'POST'],
    ['/api/auth/logout', 'POST'],
    ['/api/auth/status', 'GET, HEAD'],
    ['/api/openapi.json', 'GET, HEAD'],
    ['/metrics', 'GET, HEAD'],
    ['/', 'GET, HEAD'],
    ['/sessions/abc', 'GET, HEAD'],
  ];

  it.each(routes)('answers OPTIONS %s with 204 and Allow: %s, with or without a token', async (path, allow) => {
    const open = await startServer();
    const guarded = await startServer({ AUTH_TOKEN: 'test-token-0123456789abcdef' });

    const replies = [await send(`${open.url}${path}`, { method: 'OPTIONS' }), await send(`${guarded.url}${path}`, { method: 'OPTIONS' })];

    for (const reply of replies) {
      expect({ status: reply.status, allow: reply.headers.allow, body: reply.text }).toEqual({ status: 204, allow, body: '' });
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('answers OPTIONS on an unknown API route with 404 not_found', async () => {
    const server = await startServer();
    const reply = await send(`${server.url}/api/no-such-route`, { method: 'OPTIONS' });
    expect(reply.status).toBe(404);
    expect(errorOf(reply).code).toBe('not_found');
  });

  it('still answers a CORS preflight from a listed origin with its CORS headers', async () => {
    const server = await startServer({ CORS_ORIGINS: 'https://board.example' });
    const reply = await send(`${server.url}/api/sessions`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://board.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(reply.status).toBe(204);
    expect(reply.headers['access-control-allow-methods']).toBe('GET, POST, DELETE');
  });
});
