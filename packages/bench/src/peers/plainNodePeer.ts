import http, { type ServerResponse } from 'node:http';
import { PeerSessions } from './PeerSessions.ts';
import { PEER_HEARTBEAT_MS, peerAddress } from './peerAddress.ts';
import { readCommand } from './readCommand.ts';

// Node's floor: plain `http`, each frame encoded once into a Buffer and written to every
// response; one heartbeat sweep for all streams.

const HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
};

/** Each open stream and when it was last written to (epoch ms). */
const streams = new Map<ServerResponse, number>();
let lastId = 0;
/** Encoded on the first connect after a change, not on every change. */
let snapshotFrame: Buffer | undefined;

const sessions = new PeerSessions((event, session) => {
  lastId += 1;
  const at = Date.now();
  const frame = Buffer.from(`id: ${lastId}\nevent: ${event}\ndata: ${JSON.stringify({ type: event, session, at })}\n\n`);
  for (const res of streams.keys()) {
    res.write(frame);
    streams.set(res, at);
  }
  snapshotFrame = undefined;
});

function encodeSnapshot(): Buffer {
  const data = JSON.stringify({ type: 'snapshot', sessions: sessions.list(), at: Date.now(), heartbeatMs: PEER_HEARTBEAT_MS });
  return Buffer.from(`retry: 2000\n\nid: ${lastId}\nevent: snapshot\ndata: ${data}\n\n`);
}

setInterval(() => {
  const now = Date.now();
  const frame = Buffer.from(`event: ping\ndata: {"type":"ping","at":${now}}\n\n`);
  for (const [res, lastWriteAt] of streams) {
    if (now - lastWriteAt < PEER_HEARTBEAT_MS) continue;
    res.write(frame);
    streams.set(res, now);
  }
}, PEER_HEARTBEAT_MS / 2).unref();

const server = http.createServer((req, res) => {
  const path = req.url?.split('?')[0];
  if (req.method === 'GET' && path === '/api/sse/sessions') {
    res.writeHead(200, HEADERS);
    req.socket.setNoDelay(true);
    res.write((snapshotFrame ??= encodeSnapshot()));
    streams.set(res, Date.now());
    res.once('close', () => streams.delete(res));
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
