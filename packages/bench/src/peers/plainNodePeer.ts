import type { ServerResponse } from 'node:http';
import { PeerSessions } from './PeerSessions.ts';
import { PEER_HEARTBEAT_MS } from './peerAddress.ts';
import { servePeer } from './servePeer.ts';

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

servePeer(sessions, (req, res) => {
  res.writeHead(200, HEADERS);
  req.socket.setNoDelay(true);
  res.write((snapshotFrame ??= encodeSnapshot()));
  streams.set(res, Date.now());
  res.once('close', () => streams.delete(res));
});
