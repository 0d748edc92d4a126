import type { Socket } from 'node:net';
import { PeerSessions } from './PeerSessions.ts';
import { PEER_HEARTBEAT_MS } from './peerAddress.ts';
import { servePeer } from './servePeer.ts';

// The socket-level floor: plain `http` parses the request and sends the headers; then each
// event is framed once as an HTTP/1.1 chunk and that one Buffer is written straight to every
// socket, with no response object in between. One heartbeat sweep for all streams.

const HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
};

/** `frame` as one chunk of a chunked body. */
function chunk(frame: string): Buffer {
  const bytes = Buffer.from(frame);
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
}

/** Each open stream's socket and when it was last written to (epoch ms). */
const streams = new Map<Socket, number>();
let lastId = 0;
/** Encoded on the first connect after a change, not on every change. */
let snapshotChunk: Buffer | undefined;

const sessions = new PeerSessions((event, session) => {
  lastId += 1;
  const at = Date.now();
  const framed = chunk(`id: ${lastId}\nevent: ${event}\ndata: ${JSON.stringify({ type: event, session, at })}\n\n`);
  for (const socket of streams.keys()) {
    socket.write(framed);
    streams.set(socket, at);
  }
  snapshotChunk = undefined;
});

function encodeSnapshot(): Buffer {
  const data = JSON.stringify({ type: 'snapshot', sessions: sessions.list(), at: Date.now(), heartbeatMs: PEER_HEARTBEAT_MS });
  return chunk(`retry: 2000\n\nid: ${lastId}\nevent: snapshot\ndata: ${data}\n\n`);
}

setInterval(() => {
  const now = Date.now();
  const framed = chunk(`event: ping\ndata: {"type":"ping","at":${now}}\n\n`);
  for (const [socket, lastWriteAt] of streams) {
    if (now - lastWriteAt < PEER_HEARTBEAT_MS) continue;
    socket.write(framed);
    streams.set(socket, now);
  }
}, PEER_HEARTBEAT_MS / 2).unref();

servePeer(sessions, (req, res) => {
  res.writeHead(200, HEADERS);
  res.flushHeaders();
  const socket = req.socket;
  socket.setNoDelay(true);
  socket.write((snapshotChunk ??= encodeSnapshot()));
  streams.set(socket, Date.now());
  res.once('close', () => streams.delete(socket));
});
