import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SseConnection } from './SseConnection.ts';

/** Headers of every stream: nothing along the way may buffer, cache or compress it. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
};

/**
 * Starts a 200 `text/event-stream` response on a Node `http` pair and adapts it to
 * {@link SseConnection}. Headers go out at once; Nagle is off so small frames are not held back.
 */
export function openNodeStream(req: IncomingMessage, res: ServerResponse): SseConnection {
  res.writeHead(200, SSE_HEADERS);
  res.flushHeaders();
  const socket = req.socket;
  socket.setNoDelay(true);
  socket.setTimeout(0);
  // The stream is long-lived by design; Node's request timeout must not cut it.
  req.setTimeout(0);

  let closed = false;
  const listeners: (() => void)[] = [];
  const finish = () => {
    if (closed) return;
    closed = true;
    for (const listener of listeners.splice(0)) listener();
  };
  res.once('close', finish);

  return {
    write: (chunk) => res.write(chunk),
    get bufferedBytes() {
      // Includes what the socket holds, not only what the response holds back.
      return res.writableLength;
    },
    close() {
      if (res.writableEnded) {
        socket.destroy();
      } else {
        res.end();
        // A client that stopped reading would hold the socket open forever; do not wait for it.
        if (res.writableLength > 0) socket.destroy();
      }
      finish();
    },
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
  };
}
