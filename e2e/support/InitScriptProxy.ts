import { createServer, request } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where the proxy serves the init scripts; nothing of the server's own lives there. */
const SCRIPT_PATH = '/__e2e__/init-script.js';

/**
 * A loopback HTTP proxy in front of the server that adds `<script src>` for init scripts at
 * the top of every HTML page's `<head>`, so they run before the page's own scripts. The page
 * then has the proxy's origin, and everything else, the stream included, passes unchanged
 * and unbuffered. It is the test's stand-in for a browser's preload-script command, for
 * drivers without one (WebDriver classic); the app itself has no test hook for it.
 */
export class InitScriptProxy {
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  /**
   * Listens on a free loopback port and forwards to `target` (an origin).
   * @param scripts JavaScript sources, run in order
   */
  static async start(target: string, scripts: readonly string[]): Promise<InitScriptProxy> {
    const upstream = new URL(target);
    const body = scripts.join('\n');
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === SCRIPT_PATH) {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
        res.end(body);
        return;
      }
      forward(upstream, req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new InitScriptProxy(server, `http://127.0.0.1:${port}`);
  }

  /** Stops listening and cuts every open connection, streams included. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

function forward(upstream: URL, req: IncomingMessage, res: ServerResponse): void {
  const headers = { ...req.headers };
  // Plain bodies only, so an HTML page can be edited.
  delete headers['accept-encoding'];
  const outgoing = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
    (answer) => {
      const responseHeaders: OutgoingHttpHeaders = { ...answer.headers };
      const isPage = req.method === 'GET' && (answer.headers['content-type'] ?? '').startsWith('text/html');
      if (!isPage) {
        res.writeHead(answer.statusCode ?? 502, responseHeaders);
        // An event stream must reach the page as it is written.
        res.flushHeaders();
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const html = injectScript(Buffer.concat(chunks).toString('utf8'));
        delete responseHeaders['transfer-encoding'];
        responseHeaders['content-length'] = String(Buffer.byteLength(html));
        res.writeHead(answer.statusCode ?? 502, responseHeaders);
        res.end(html);
      });
    },
  );
  outgoing.on('error', () => {
    if (res.headersSent) res.destroy();
    else res.writeHead(502, { 'content-type': 'text/plain' }).end('upstream unreachable');
  });
  // A page that leaves (or a stream the browser closes) ends the upstream request too.
  res.on('close', () => outgoing.destroy());
  req.pipe(outgoing);
}

function injectScript(html: string): string {
  const tag = `<script src="${SCRIPT_PATH}"></script>`;
  const head = /<head[^>]*>/i.exec(html);
  if (head === null) return `${tag}${html}`;
  const at = head.index + head[0].length;
  return `${html.slice(0, at)}${tag}${html.slice(at)}`;
}
