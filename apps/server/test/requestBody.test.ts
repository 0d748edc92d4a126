import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, createSession, errorOf, send, startServer, type TestServer } from './helpers.ts';

afterEach(closeAll);

interface RawExchange {
  /** Everything the server sent. */
  text: string;
  /** Ms from the request's start to the server's first byte. */
  answeredMs: number;
  /** Body bytes the client had sent when the answer came. */
  sentWhenAnswered: number;
  /** Ms from the request's start until the server closed the connection; NaN if it did not within the wait. */
  closedMs: number;
}

/**
 * Sends `head`, then `piece` over and over (as fast as the socket takes it, up to `maxBytes`),
 * and records when the server answers and when it closes the connection.
 */
async function flood(server: TestServer, head: string, piece: Buffer, maxBytes: number, waitMs = 3000): Promise<RawExchange> {
  const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
  await once(socket, 'connect');
  const started = performance.now();
  const result: RawExchange = { text: '', answeredMs: Number.NaN, sentWhenAnswered: Number.NaN, closedMs: Number.NaN };
  let sent = 0;
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => {
    if (result.text === '') {
      result.answeredMs = performance.now() - started;
      result.sentWhenAnswered = sent;
    }
    result.text += chunk.toString('latin1');
  });
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      result.closedMs = performance.now() - started;
      resolve();
    }),
  );
  socket.write(head);
  const pump = () => {
    while (sent < maxBytes && !socket.destroyed && result.text === '') {
      sent += piece.length;
      if (!socket.write(piece)) {
        socket.once('drain', pump);
        return;
      }
    }
  };
  pump();
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, waitMs))]);
  socket.destroy();
  return result;
}

const status = (text: string) => text.split('\r\n')[0];
const body = (text: string) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { error: { code: string } };

describe('request bodies over the limit', () => {
  it('answers 413 to a Content-Length over 16 KiB at once, without waiting for the body, and closes', async () => {
    const server = await startServer();
    const head =
      'POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n';

    const result = await flood(server, head, Buffer.alloc(0), 0);

    expect(status(result.text)).toBe('HTTP/1.1 413 Payload Too Large');
    expect(result.text.toLowerCase()).toContain('connection: close\r\n');
    expect(body(result.text).error.code).toBe('payload_too_large');
    expect(result.answeredMs).toBeLessThan(1000);
    expect(result.closedMs).toBeLessThan(2000);
  });

  it('answers 413 to a chunked body once it passes 16 KiB, and closes without reading the rest', async () => {
    const server = await startServer();
    const head = 'POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const data = Buffer.alloc(4096, 0x20);
    const piece = Buffer.concat([Buffer.from('1000\r\n'), data, Buffer.from('\r\n')]);

    // 40 KiB of a body that never ends.
    const result = await flood(server, head, piece, 10 * piece.length);

    expect(status(result.text)).toBe('HTTP/1.1 413 Payload Too Large');
    expect(body(result.text).error.code).toBe('payload_too_large');
    expect(result.closedMs).toBeLessThan(2000);
  });

  it('stops reading a flood of chunked body: the client cannot push 100 MB through', async () => {
    const server = await startServer();
    const head = 'POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const data = Buffer.alloc(64 * 1024, 0x20);
    const piece = Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);

    const result = await flood(server, head, piece, 100 * 2 ** 20, 5000);

    expect(status(result.text)).toBe('HTTP/1.1 413 Payload Too Large');
    expect(result.sentWhenAnswered).toBeLessThan(50 * 2 ** 20);
    expect(result.closedMs).toBeLessThan(3000);
  });

  it('still takes a body of exactly 16 KiB', async () => {
    const server = await startServer();
    const command = ['true', ...['a', 'b', 'c', 'd'].map((c) => c.repeat(4000))];
    command.push('e'.repeat(16 * 1024 - Buffer.byteLength(JSON.stringify({ command: [...command, ''] }))));
    const text = JSON.stringify({ command });
    expect(Buffer.byteLength(text)).toBe(16 * 1024);

    const reply = await createSession(server, { command });

    expect(reply.status).toBe(201);
  });
});

describe('request body charsets', () => {
  /** POSTs a valid session body to a fresh server, labelled JSON in `charset`. */
  async function postInCharset(charset: string) {
    const server = await startServer();
    return send(`${server.url}/api/sessions`, {
      method: 'POST',
      headers: { 'Content-Type': `application/json; charset=${charset}` },
      body: JSON.stringify({ command: ['true'] }),
    });
  }

  it.each(['utf-16', 'UTF-16LE', 'latin1', 'iso-8859-1', 'us-ascii'])('answers 415 to a JSON body in charset %s', async (charset) => {
    const reply = await postInCharset(charset);
    expect(reply.status).toBe(415);
    expect(errorOf(reply).code).toBe('unsupported_media_type');
  });

  it.each(['utf-8', 'UTF-8', '"utf-8"', 'utf8'])('takes a JSON body in charset %s', async (charset) => {
    const reply = await postInCharset(charset);
    expect(reply.status).toBe(201);
  });
});
