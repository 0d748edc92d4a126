import type { ServerResponse } from 'node:http';
import { PeerSessions } from './PeerSessions.ts';
import { PEER_HEARTBEAT_MS } from './peerAddress.ts';
import { servePeer } from './servePeer.ts';

// The naive plan this product replaces: on every change, each client gets its own
// JSON.stringify of the whole session list, and each client has its own heartbeat timer.

interface Client {
  res: ServerResponse;
  heartbeat: NodeJS.Timeout;
}

const clients = new Set<Client>();
let lastId = 0;

function send(client: Client, event: string, id: number | undefined, payload: object): void {
  const idLine = id === undefined ? '' : `id: ${id}\n`;
  client.res.write(`${idLine}event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
  client.heartbeat.refresh();
}

const sessions = new PeerSessions((event, session) => {
  lastId += 1;
  const at = Date.now();
  for (const client of clients) send(client, event, lastId, { type: event, session, sessions: sessions.list(), at });
});

servePeer(sessions, (req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  res.write('retry: 2000\n\n');
  const client: Client = {
    res,
    heartbeat: setInterval(() => send(client, 'ping', undefined, { type: 'ping', at: Date.now() }), PEER_HEARTBEAT_MS),
  };
  send(client, 'snapshot', lastId, { type: 'snapshot', sessions: sessions.list(), at: Date.now(), heartbeatMs: PEER_HEARTBEAT_MS });
  clients.add(client);
  res.once('close', () => {
    clearInterval(client.heartbeat);
    clients.delete(client);
  });
});
