import { request } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { API_PATHS } from '@sessionboard/protocol';

/**
 * A stream (`GET /api/sse/sessions`) the test holds open as another client would, reading
 * and discarding its frames: on a server started with `SSE_MAX_CONNECTIONS=1` it takes the
 * only place, so a dashboard is refused (503 `too_many_connections`) until it is released.
 */
export class HeldStream {
  private constructor(
    private readonly req: ClientRequest,
    private readonly res: IncomingMessage,
  ) {}

  /**
   * Opens the stream and resolves once the server has answered 200.
   * @throws Error on another status, or when no answer comes in `timeoutMs` (default 10 s)
   */
  static open(baseURL: string, timeoutMs = 10_000): Promise<HeldStream> {
    return new Promise((resolve, reject) => {
      const req = request(new URL(API_PATHS.stream, baseURL), {
        headers: { accept: 'text/event-stream' },
        timeout: timeoutMs,
      });
      req.once('timeout', () => req.destroy(new Error(`no answer from the stream in ${timeoutMs} ms`)));
      req.once('error', reject);
      req.once('response', (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          req.destroy();
          reject(new Error(`HeldStream: the stream answered ${res.statusCode}`));
          return;
        }
        // Idle streams are fine; only the connect bound the timeout.
        req.setTimeout(0);
        res.resume();
        resolve(new HeldStream(req, res));
      });
      req.end();
    });
  }

  /** Closes the connection, which frees its place on the server. */
  async release(): Promise<void> {
    if (this.res.destroyed) return;
    const closed = new Promise<void>((resolve) => this.res.once('close', () => resolve()));
    this.req.destroy();
    await closed;
  }
}
