import { afterEach, describe, expect, it } from 'vitest';
import { describeStreamBehaviours } from './describeStreamBehaviours.ts';
import { closeAll, errorOf, openStream, send, startServer, waitFor } from './helpers.ts';

afterEach(closeAll);

const STREAM = '/api/sse/sessions';

describeStreamBehaviours({ suffix: '', start: (env) => startServer(env), started: () => {} });

describe('refusals', () => {
  it('answers 503 too_many_connections with Retry-After when the cap is reached', async () => {
    const server = await startServer({ SSE_MAX_CONNECTIONS: '1' });
    const first = await openStream(`${server.url}${STREAM}`);
    await first.next((frame) => frame.event === 'snapshot');

    const second = await openStream(`${server.url}${STREAM}`);
    await second.ended;

    expect(second.status).toBe(503);
    expect(second.headers['retry-after']).toBe('5');
    expect(second.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(second.text())).toEqual({ error: { code: 'too_many_connections', message: expect.any(String) } });
    const metrics = await send(`${server.url}/metrics`);
    expect(metrics.text).toMatch(/^sse_connections_rejected_total\{reason="full"\} 1$/m);
  });

  it('accepts a stream again once one has closed', async () => {
    const server = await startServer({ SSE_MAX_CONNECTIONS: '1' });
    const first = await openStream(`${server.url}${STREAM}`);
    await first.next((frame) => frame.event === 'snapshot');
    first.close();
    await waitFor(() => (server.broker.connectionCount === 0 ? true : undefined));

    const again = await openStream(`${server.url}${STREAM}`);

    expect(again.status).toBe(200);
  });

  it('answers 503 sse_disabled with Retry-After when SSE_ENABLED=false', async () => {
    const server = await startServer({ SSE_ENABLED: 'false' });

    const reply = await send(`${server.url}${STREAM}`);

    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('60');
    expect(errorOf(reply).code).toBe('sse_disabled');
    expect(server.broker.connectionCount).toBe(0);
  });
});
