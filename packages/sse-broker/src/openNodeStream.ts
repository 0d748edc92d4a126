import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FrameFraming, SseConnection } from './SseConnection.ts';

/** Headers of every stream: nothing along the way may buffer, cache or compress it. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
};

const CRLF = Buffer.from('\r\n');

/** Bytes below which a chunk is copied into one buffer; above, its parts are written corked. */
const COPY_BELOW_BYTES = 16 * 1024;

function chunkHeader(length: number): Buffer {
  return Buffer.from(`${length.toString(16)}\r\n`, 'latin1');
}

/**
 * Frames as chunks of an HTTP/1.1 chunked body. The broker wraps each event once with it and
 * hands the same chunk to every stream, so a fan-out frames an event once, not once per stream.
 */
export const HTTP_CHUNKED: FrameFraming = {
  wrap: (frame) => Buffer.concat([chunkHeader(frame.length), frame, CRLF]),
};

/**
 * Starts a 200 `text/event-stream` response on a Node `http` pair and adapts it to
 * {@link SseConnection}. Headers go out at once; Nagle is off so small frames are not held back.
 * `headers` replaces {@link SSE_HEADERS} (pass them along with any extra); headers set on
 * `res` before still go out, but stay in memory for the stream's whole life.
 *
 * Frames go straight to the socket, framed as chunks of the response's chunked body
 * ({@link HTTP_CHUNKED}, the connection's `framing`).
 * A `ServerResponse` write costs about twice as much JavaScript (cork, chunk header, uncork on
 * the next tick, a writev of three buffers), more again once a framework has swapped the
 * response's prototype (Express does), and a fan-out pays it once per stream. The response
 * still ends the body: `close()` calls `res.end()`. Writes go through the response instead when
 * its body is not chunked (an HTTP/1.0 client, a HEAD request) or it does not own the socket
 * yet (a request pipelined behind another).
 */
export function openNodeStream(
  req: IncomingMessage,
  res: ServerResponse,
  headers: Readonly<Record<string, string>> = SSE_HEADERS,
): SseConnection {
  res.writeHead(200, headers);
  res.flushHeaders();
  const socket = req.socket;
  socket.setNoDelay(true);
  socket.setTimeout(0);
  // The stream is long-lived by design; Node's request timeout must not cut it.
  req.setTimeout(0);
  const direct = res.chunkedEncoding && res.socket === socket && res.writableLength === 0;
  return new NodeStream(res, socket, direct);
}

/** One stream; a class rather than closures, so an open stream costs one small object. */
class NodeStream implements SseConnection {
  readonly #res: ServerResponse;
  readonly #socket: Socket;
  /** Frames go to the socket as chunks, not through the response. */
  readonly #direct: boolean;
  #closed = false;
  #listeners: (() => void)[] = [];

  constructor(res: ServerResponse, socket: Socket, direct: boolean) {
    this.#res = res;
    this.#socket = socket;
    this.#direct = direct;
    res.once('close', () => this.#finish());
  }

  get framing(): FrameFraming | undefined {
    return this.#direct ? HTTP_CHUNKED : undefined;
  }

  write(chunk: Buffer | string): boolean {
    if (!this.#direct) return this.#res.write(chunk);
    if (typeof chunk === 'string') chunk = Buffer.from(chunk);
    const socket = this.#socket;
    // An empty chunk would end the body.
    if (chunk.length === 0) return socket.writableLength < socket.writableHighWaterMark;
    if (chunk.length < COPY_BELOW_BYTES) return socket.write(HTTP_CHUNKED.wrap(chunk));
    // A large piece (of an opening) is not copied: its header, itself and CRLF go out as one writev.
    socket.cork();
    socket.write(chunkHeader(chunk.length));
    socket.write(chunk);
    const ok = socket.write(CRLF);
    socket.uncork();
    return ok;
  }

  writeFramed(bytes: Buffer): boolean {
    return this.#direct ? this.#socket.write(bytes) : this.#res.write(bytes);
  }

  onDrain(listener: () => void): void {
    if (this.#closed) return;
    if (this.#direct) this.#socket.once('drain', listener);
    else this.#res.once('drain', listener);
  }

  get bufferedBytes(): number {
    // Includes what the socket holds, not only what the response holds back.
    return this.#direct ? this.#socket.writableLength : this.#res.writableLength;
  }

  close(): void {
    const res = this.#res;
    if (res.writableEnded) {
      this.#socket.destroy();
    } else {
      res.end();
      // A client that stopped reading would hold the socket open forever; do not wait for it.
      if (res.writableLength > 0) this.#socket.destroy();
    }
    this.#finish();
  }

  onClose(listener: () => void): void {
    if (this.#closed) listener();
    else this.#listeners.push(listener);
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const listener of this.#listeners.splice(0)) listener();
  }
}
