import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutputChunk, Session } from '@sessionboard/protocol';
import { createOutputClient } from '../src/createOutputClient.ts';
import type { OutputClient } from '../src/createOutputClient.ts';
import type { OutputState } from '../src/OutputState.ts';
import { session } from './fakes.ts';

/**
 * A server that speaks PROTOCOL.md's Output section for one session, `s1`: stream and poll
 * resume after an offset, `end` once the session has ended and all was sent, then close.
 */
class OutputServer {
  readonly chunks: OutputChunk[] = [];
  final: Session | null = null;
  mode: 'stream' | 'sse_disabled' = 'stream';
  /** The resume offset each stream request carried (`null` without one). */
  readonly streamRequests: Array<number | null> = [];
  readonly pollRequests: string[] = [];
  private readonly open = new Set<ServerResponse>();
  private server: Server | undefined;
  url = '';

  async listen(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  append(stream: OutputChunk['stream'], text: string): void {
    const offset = (this.chunks.at(-1)?.offset ?? 0) + Buffer.byteLength(text);
    const chunk = { stream, text, offset };
    this.chunks.push(chunk);
    for (const res of this.open) res.write(frame('output', chunk, String(offset)));
  }

  end(exitCode: number): void {
    this.final = session({ id: 's1', status: 'exited', exitCode, pid: null, endedAt: new Date().toISOString() });
    for (const res of [...this.open]) this.finish(res);
  }

  /** Cuts every open stream, as a proxy restart would. */
  drop(): void {
    for (const res of [...this.open]) res.socket?.destroy();
  }

  async close(): Promise<void> {
    for (const res of [...this.open]) res.socket?.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private get offset(): number {
    return this.chunks.at(-1)?.offset ?? 0;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    };
    if (url.pathname === '/api/sessions/s1/output') {
      this.pollRequests.push(url.search);
      const after = Number(url.searchParams.get('after') ?? 0);
      json(200, { chunks: this.chunks.filter((c) => c.offset > after), offset: Math.max(after, this.offset), from: 0, ended: this.final !== null });
    } else if (url.pathname === '/api/sse/sessions/s1/output') {
      if (this.mode === 'sse_disabled') {
        res.setHeader('retry-after', '1');
        json(503, { error: { code: 'sse_disabled', message: 'Live updates are off.' } });
        return;
      }
      const id = req.headers['last-event-id'] ?? url.searchParams.get('lastEventId');
      const after = typeof id === 'string' ? Number(id) : null;
      this.streamRequests.push(after);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('retry: 50\n\n');
      for (const chunk of this.chunks) if (chunk.offset > (after ?? 0)) res.write(frame('output', chunk, String(chunk.offset)));
      if (this.final !== null) this.finish(res);
      else {
        this.open.add(res);
        res.on('close', () => this.open.delete(res));
      }
    } else {
      json(404, { error: { code: 'not_found', message: `No route ${url.pathname}.` } });
    }
  }

  private finish(res: ServerResponse): void {
    res.end(frame('end', { type: 'end', session: this.final, offset: this.offset }));
    this.open.delete(res);
  }
}

function frame(event: string, data: unknown, id?: string): string {
  return `event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;
}

let server: OutputServer | undefined;
let client: OutputClient | undefined;

afterEach(async () => {
  client?.stop();
  client = undefined;
  await server?.close();
  server = undefined;
});

async function until(probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out; state: ${JSON.stringify(client?.getState())}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const text = (state: OutputState | undefined) =>
  (state?.segments ?? []).map((segment) => (segment.kind === 'output' ? segment.text : '[gap]')).join('');

async function started(options: { EventSource?: typeof EventSource | null } = {}): Promise<OutputServer> {
  server = new OutputServer();
  await server.listen();
  client = createOutputClient({ sessionId: 's1', baseUrl: server.url, EventSource: EventSource, backoffBaseMs: 20, pollIntervalMs: 100, ...options });
  client.start();
  return server;
}

describe('following output over real sockets', () => {
  it('follows live output and stops at end, without the EventSource reconnecting', async () => {
    const output = await started();
    output.append('stdout', 'héllo\n');
    await until(() => client?.getState().state === 'live' && client.getState().offset === 7);
    output.append('stderr', 'oops\n');
    output.end(1);
    await until(() => client?.getState().state === 'ended');
    // The stream's `retry: 50` would bring a native EventSource back within 50 ms.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(output.streamRequests).toEqual([null]);
    expect(client?.getState()).toMatchObject({ state: 'ended', offset: 12, session: { id: 's1', exitCode: 1 } });
    expect(client?.getState().segments.map((s) => (s.kind === 'output' ? [s.stream, s.text] : s.kind))).toEqual([
      ['stdout', 'héllo\n'],
      ['stderr', 'oops\n'],
    ]);
  });

  it('resumes from its offset after the stream is cut, without a repeated byte', async () => {
    const output = await started();
    output.append('stdout', 'one\n');
    await until(() => client?.getState().offset === 4);
    output.drop();
    output.append('stdout', 'two\n');
    await until(() => client?.getState().offset === 8 && client.getState().state === 'live');
    output.end(0);
    await until(() => client?.getState().state === 'ended');
    expect(output.streamRequests).toEqual([null, 4]);
    expect(text(client?.getState())).toBe('one\ntwo\n');
  });

  it('polls when live updates are off and returns to the stream from the polled offset', async () => {
    server = new OutputServer();
    await server.listen();
    server.mode = 'sse_disabled';
    server.append('stdout', 'abc');
    client = createOutputClient({ sessionId: 's1', baseUrl: server.url, EventSource, pollIntervalMs: 100 });
    client.start();
    await until(() => client?.getState().state === 'polling' && client.getState().offset === 3);
    expect(server.pollRequests[0]).toBe('?after=0');
    server.mode = 'stream';
    server.append('stderr', 'de');
    await until(() => client?.getState().state === 'live', 5000);
    server.end(0);
    await until(() => client?.getState().state === 'ended');
    expect(text(client?.getState())).toBe('abcde');
    expect(server.streamRequests.at(-1)).toBeGreaterThanOrEqual(3);
  });

  it('stops as not_found for a session the server does not know', async () => {
    server = new OutputServer();
    await server.listen();
    client = createOutputClient({ sessionId: 'nope', baseUrl: server.url, EventSource });
    client.start();
    await until(() => client?.getState().state === 'not_found');
    expect(client.getState().error).toBe('No route /api/sse/sessions/nope/output.');
  });
});
