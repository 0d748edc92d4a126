import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { OutputChunk } from '@sessionboard/protocol';
import { sessionOutputStreamPath } from '@sessionboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, createSession, openStream, startServer, waitFor } from './helpers.ts';

afterEach(closeAll);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a process printing as fast as it can (yes)', () => {
  it('costs a follower that it leaves behind a flush every 250 ms, a sample of at most 16 KiB once behind, with truncated', async () => {
    const server = await startServer();
    const { body: session } = await createSession(server, { command: ['yes'] });
    const stream = await openStream(`${server.url}${sessionOutputStreamPath(session.id)}`);

    await sleep(2000);
    const outputs = stream.frames.filter((frame) => frame.event === 'output');
    stream.close();

    // Behind after its second flush (yes prints far more than 256 KiB in 50 ms): then 4 a second.
    expect(outputs.length).toBeGreaterThanOrEqual(4);
    expect(outputs.length).toBeLessThanOrEqual(12);
    expect(stream.frames.filter((frame) => frame.event === 'truncated').length).toBeGreaterThanOrEqual(2);
    for (const frame of outputs) {
      const chunk = JSON.parse(frame.data ?? '') as OutputChunk;
      expect(Buffer.byteLength(chunk.text)).toBeLessThanOrEqual(256 * 1024);
      expect(chunk.text).toMatch(/^(y\n)*y?\n?$/);
    }
    // From the third flush on it is behind: samples, not full flushes.
    const samples = outputs.slice(2).map((frame) => Buffer.byteLength((JSON.parse(frame.data ?? '') as OutputChunk).text));
    expect(samples.length).toBeGreaterThan(0);
    expect(Math.max(...samples)).toBeLessThanOrEqual(16 * 1024);
  });

  it('keeps no more than the window in memory', async () => {
    const server = await startServer({ SESSIONS_OUTPUT_BYTES: String(256 * 1024) });
    const { body: session } = await createSession(server, { command: ['yes'] });

    await waitFor(() => ((server.output.source(session.id)?.end ?? 0) > 4 * 1024 * 1024 ? true : undefined), 10_000);
    const stats = server.output.stats();

    expect(stats.memoryBytes).toBeLessThanOrEqual(256 * 1024);
    expect(stats.heldBytes).toBeLessThanOrEqual(256 * 1024 * 1.2);
  });

  it('never queues more than one flush for a follower that does not read, then tells it truncated', async () => {
    // A window large enough that the follower reads full flushes for a while: the socket stalls soon.
    const server = await startServer({ SESSIONS_OUTPUT_BYTES: String(64 * 1024 * 1024) });
    const sockets: Socket[] = [];
    server.server.on('connection', (socket: Socket) => sockets.push(socket));
    const { body: session } = await createSession(server, { command: ['yes'] });
    let text = '';
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${server.url}${sessionOutputStreamPath(session.id)}`, { agent: false }, resolve);
      req.on('error', reject);
      req.end();
    });
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
    response.pause();
    const socket = sockets.at(-1);

    // Until the kernel's buffers are full the socket drains; then the follower stops reading.
    let queuedMax = 0;
    for (let i = 0; i < 100; i++) {
      await sleep(100);
      queuedMax = Math.max(queuedMax, socket?.writableLength ?? 0);
    }
    const sent = server.outputStreams.stats().bytes;
    const produced = server.output.source(session.id)?.end ?? 0;
    response.resume();
    await waitFor(() => (/event: truncated\n/.test(text) ? true : undefined), 10_000);
    response.destroy();

    expect(queuedMax).toBeGreaterThan(0);
    // One flush: 256 KiB of "y\n" is 384 KiB of JSON ("\n" escaped), plus the frame's fields.
    expect(queuedMax).toBeLessThanOrEqual(384 * 1024 + 1024);
    expect(produced).toBeGreaterThan(sent * 2);
    expect(text).toMatch(/event: truncated\ndata: \{"type":"truncated","from":\d+\}\n\n/);
  });

  it('does not hold up the sessions stream or the output of other sessions', async () => {
    const server = await startServer();
    const { body: flood } = await createSession(server, { command: ['yes'] });
    const followers = await Promise.all(
      Array.from({ length: 5 }, () => openStream(`${server.url}${sessionOutputStreamPath(flood.id)}`)),
    );
    const sessions = await openStream(`${server.url}/api/sse/sessions`);
    await sleep(500);

    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const sent = Date.now();
      const { body } = await createSession(server, { command: ['sh', '-c', `echo quiet ${i}`] });
      await sessions.next((frame) => frame.event === 'session_created' && (frame.data ?? '').includes(body.id), { timeoutMs: 5000 });
      const quiet = await openStream(`${server.url}${sessionOutputStreamPath(body.id)}`);
      await quiet.next((frame) => frame.event === 'end', { timeoutMs: 5000 });
      delays.push(Date.now() - sent);
    }
    for (const follower of followers) follower.close();

    // Spawning and the EOF of a quiet process: well under a second each, flood or not.
    expect(Math.max(...delays)).toBeLessThan(2000);
    expect(followers.every((follower) => follower.frames.some((frame) => frame.event === 'output'))).toBe(true);
  });
});
