import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { PeerSessions } from './PeerSessions.ts';
import { peerAddress } from './peerAddress.ts';
import { readCommand } from './readCommand.ts';

/**
 * Runs a plain-`http` peer: `GET /api/sse/sessions` goes to `openStream`; the trigger
 * (`POST /api/sessions`), health and 404 are the same for every peer. Listens where the
 * bench says and exits on SIGTERM.
 */
export function servePeer(sessions: PeerSessions, openStream: (req: IncomingMessage, res: ServerResponse) => void): void {
  const server = http.createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (req.method === 'GET' && path === '/api/sse/sessions') {
      openStream(req, res);
    } else if (req.method === 'POST' && path === '/api/sessions') {
      void readCommand(req).then((command) => {
        const session = sessions.start(command);
        res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify(session));
      });
    } else if (req.method === 'GET' && path === '/api/health') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
    } else {
      res.writeHead(404).end();
    }
  });
  server.requestTimeout = 0;
  const { host, port } = peerAddress();
  server.listen(port, host);
  process.on('SIGTERM', () => process.exit(0));
}
