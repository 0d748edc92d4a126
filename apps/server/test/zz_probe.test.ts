import { connect } from 'node:net';
import { it, expect } from 'vitest';
import { startServer, closeAll, waitFor } from './helpers.ts';
it('probe', async () => {
  const server = await startServer({ SSE_HEARTBEAT_MS: '200' });
  const port = Number(new URL(server.url).port);
  for (let round = 0; round < 3; round++) {
    await Promise.all(Array.from({ length: 200 }, (_, i) => new Promise<void>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.on('close', () => resolve());
      const req = 'GET /api/sse/sessions HTTP/1.1\r\nHost: x\r\n\r\n';
      if (i % 4 === 0) { s.write(req); s.destroy(); }
      else if (i % 4 === 1) { s.end(req); }
      else if (i % 4 === 2) { s.write(req + req + req); setImmediate(() => s.destroy()); }
      else { s.write('GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n' + req); setTimeout(() => s.resetAndDestroy(), i % 7); }
    })));
  }
  await new Promise((r) => setTimeout(r, 1000));
  console.log('connections', server.broker.connectionCount, server.broker.stats());
  await waitFor(() => (server.broker.connectionCount === 0 ? true : undefined), 3000, () => String(server.broker.connectionCount));
  await closeAll();
});
