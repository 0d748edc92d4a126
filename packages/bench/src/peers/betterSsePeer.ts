import { createChannel, createSession } from 'better-sse';
import express from 'express';
import { PeerSessions } from './PeerSessions.ts';
import { PEER_HEARTBEAT_MS, peerAddress } from './peerAddress.ts';

// better-sse on Express 5, used as its docs show: a Session per request, registered with one
// Channel, `channel.broadcast` per change (better-sse serializes the data for each session).

const channel = createChannel();
let lastId = 0;
const sessions = new PeerSessions((event, session) => {
  lastId += 1;
  channel.broadcast({ type: event, session, at: Date.now() }, event, { eventId: String(lastId) });
});

const app = express();
app.use(express.json());

app.get('/api/health', (_req, res) => {
  res.json({ status: 'ok' });
});

app.get('/api/sse/sessions', async (req, res) => {
  const session = await createSession(req, res, { keepAlive: PEER_HEARTBEAT_MS, retry: 2000 });
  session.push(
    { type: 'snapshot', sessions: sessions.list(), at: Date.now(), heartbeatMs: PEER_HEARTBEAT_MS },
    'snapshot',
    String(lastId),
  );
  channel.register(session);
});

app.post('/api/sessions', (req, res) => {
  const body = req.body as { command?: string[] } | undefined;
  res.status(201).json(sessions.start(body?.command ?? ['true']));
});

const { host, port } = peerAddress();
const server = app.listen(port, host);
server.requestTimeout = 0;
process.on('SIGTERM', () => process.exit(0));
