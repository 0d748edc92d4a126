import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorBody, Session } from '@sessionboard/protocol';
import { EventSource } from 'eventsource';
import { pino } from 'pino';
import { parseConfig, type Config } from '../src/config.ts';
import { createApp, type App, type AppDeps } from '../src/createApp.ts';

export interface TestServer extends App {
  config: Config;
  server: Server;
  /** A fresh temporary directory, used as FS_ROOT. */
  fsRoot: string;
  url: string;
}

/** Streams and EventSources still open, and servers still running, for {@link closeAll}. */
const open = new Set<{ close(): unknown }>();
const servers = new Set<{ close(): Promise<void> }>();

/** Starts the app on 127.0.0.1 and a free port, FS_ROOT in a fresh temp dir, logs silenced. */
export async function startServer(
  env: Record<string, string> = {},
  deps: Omit<AppDeps, 'config'> = {},
): Promise<TestServer> {
  const fsRoot = await realpath(await mkdtemp(join(tmpdir(), 'sessionboard-test-')));
  const config = parseConfig({ FS_ROOT: fsRoot, LOG_LEVEL: 'silent', KILL_GRACE_MS: '1000', ...env });
  const app = createApp({ config, logger: pino({ level: 'silent' }), webRoot: join(fsRoot, 'no-web-build'), ...deps });
  await app.ready;
  const server = createServer(app.listener);
  server.on('clientError', app.onClientError);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    servers.delete(handle);
    await app.close(200);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(fsRoot, { recursive: true, force: true });
  };
  const handle = { close };
  servers.add(handle);
  return { ...app, config, server, fsRoot, url: `http://127.0.0.1:${port}`, close };
}

/** Closes every server, stream and EventSource the helpers opened; for afterEach. */
export async function closeAll(): Promise<void> {
  for (const client of [...open]) client.close();
  open.clear();
  await Promise.all([...servers].map((server) => server.close()));
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One request over raw node:http (no connection reuse), so headers are seen as sent. */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sends JSON and parses the JSON answer. */
export async function sendJson<T = unknown>(
  url: string,
  method: string,
  body?: unknown,
): Promise<Reply & { body: T }> {
  const reply = await send(url, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { ...reply, body: reply.text === '' ? (undefined as T) : (JSON.parse(reply.text) as T) };
}

export function createSession(server: TestServer, body: unknown) {
  return sendJson<Session>(`${server.url}/api/sessions`, 'POST', body);
}

export function errorOf(reply: Reply): ErrorBody['error'] {
  return (JSON.parse(reply.text) as ErrorBody).error;
}

/** One frame of a stream as sent, and its fields. */
export interface Frame {
  raw: string;
  id?: string;
  event?: string;
  data?: string;
  retry?: number;
}

export function parseFrame(raw: string): Frame {
  const frame: Frame = { raw: `${raw}\n\n` };
  for (const line of raw.split('\n')) {
    const colon = line.indexOf(':');
    const field = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id' || field === 'event') frame[field] = value;
    else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
    else if (field === 'retry') frame.retry = Number(value);
  }
  return frame;
}

export interface RawStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** Complete frames received so far. */
  frames: Frame[];
  /** The body, for a refused stream. */
  text(): string;
  /** Resolves with the first frame from index `from` on that matches. */
  next(match: (frame: Frame) => boolean, options?: { from?: number; timeoutMs?: number }): Promise<Frame>;
  ended: Promise<void>;
  close(): void;
}

/** Opens the stream over raw node:http and splits it into frames. */
export function openStream(url: string, headers: Record<string, string> = {}): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let buffer = '';
      const frames: Frame[] = [];
      const waiters = new Set<() => void>();
      let resolveEnded = () => {};
      const ended = new Promise<void>((done) => (resolveEnded = done));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          frames.push(parseFrame(buffer.slice(0, end)));
          buffer = buffer.slice(end + 2);
        }
        for (const waiter of waiters) waiter();
      });
      res.on('close', resolveEnded);
      res.on('error', () => {});
      const stream: RawStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        frames,
        text: () => buffer,
        ended,
        next(match, { from = 0, timeoutMs = 5000 } = {}) {
          return new Promise((found, fail) => {
            const check = () => {
              const frame = frames.slice(from).find(match);
              if (!frame) return;
              waiters.delete(check);
              clearTimeout(timer);
              found(frame);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames.map((f) => f.raw))}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
        close() {
          open.delete(stream);
          req.destroy();
        },
      };
      open.add(stream);
      resolve(stream);
    });
    req.on('error', reject);
    req.end();
  });
}

/** An event the real `eventsource` client dispatched. */
export interface Received {
  event: string;
  id: string;
  data: { type: string; session?: Session; sessions?: Session[]; heartbeatMs?: number; at: number };
}

export interface EventClient {
  source: EventSource;
  events: Received[];
  /** Resolves with the events received once `count` have arrived. */
  waitForCount(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): void;
}

/** Opens the real `eventsource` npm client and records the named events it dispatches. */
export function listen(url: string, names = ['snapshot', 'session_created', 'session_updated', 'session_removed', 'ping']): EventClient {
  const source = new EventSource(url);
  const events: Received[] = [];
  for (const name of names) {
    source.addEventListener(name, (message) => {
      events.push({ event: name, id: message.lastEventId, data: JSON.parse(message.data) as Received['data'] });
    });
  }
  const client: EventClient = {
    source,
    events,
    waitForCount: (count, timeoutMs = 5000) =>
      waitFor(() => (events.length >= count ? events.slice(0, count) : undefined), timeoutMs, () => JSON.stringify(events.map((e) => e.event))),
    close() {
      open.delete(client);
      source.close();
    },
  };
  open.add(client);
  return client;
}

/** Polls `probe` until it returns something other than undefined. */
export async function waitFor<T>(probe: () => T | undefined, timeoutMs = 5000, describe?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms${describe ? `: ${describe()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
