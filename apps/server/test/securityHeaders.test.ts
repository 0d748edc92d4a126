import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, openStream, send, startServer, type Reply } from './helpers.ts';

afterEach(closeAll);

const CSP =
  "default-src 'self';base-uri 'self';connect-src 'self';font-src 'self';form-action 'self';" +
  "frame-ancestors 'none';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self'";

/** The headers every response carries, whatever it is. */
const EXPECTED = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

function securityHeadersOf(reply: Pick<Reply, 'headers'>) {
  return {
    ...Object.fromEntries(Object.keys(EXPECTED).map((name) => [name, reply.headers[name]])),
    'x-powered-by': reply.headers['x-powered-by'],
    'strict-transport-security': reply.headers['strict-transport-security'],
  };
}

const WITHOUT = { 'x-powered-by': undefined, 'strict-transport-security': undefined };

describe('security headers', () => {
  it.each([
    ['the dashboard page', '/', 200, 'text/html; charset=utf-8'],
    ['a dashboard asset', '/assets/app.js', 200, 'text/javascript; charset=utf-8'],
    ['an SPA route', '/sessions/abc', 200, 'text/html; charset=utf-8'],
    ['JSON', '/api/sessions', 200, 'application/json; charset=utf-8'],
    ['health', '/api/health', 200, 'application/json; charset=utf-8'],
    ['an API 404', '/api/nothing', 404, 'application/json; charset=utf-8'],
    ['a 403', '/api/fs/dirs?path=%2F', 403, 'application/json; charset=utf-8'],
    ['metrics', '/metrics', 200, 'text/plain; version=0.0.4; charset=utf-8'],
  ])('are on %s', async (_case, path, status, type) => {
    const server = await startServer();
    const webRoot = join(server.fsRoot, 'web');
    await mkdir(join(webRoot, 'assets'), { recursive: true });
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>board</title>');
    await writeFile(join(webRoot, 'assets', 'app.js'), 'console.log(1)');
    const withWeb = await startServer({}, { webRoot });

    const reply = await send(`${withWeb.url}${path}`);

    expect(reply.status).toBe(status);
    expect(reply.headers['content-type']).toBe(type);
    expect(securityHeadersOf(reply)).toEqual({ ...EXPECTED, ...WITHOUT });
  });

  it('are on a 401 and a 429', async () => {
    const server = await startServer({ AUTH_TOKEN: 'test-token-0123456789abcdef', RATE_LIMIT_PER_MINUTE: '1' });

    const unauthorised = await send(`${server.url}/api/sessions`);
    const limited = await send(`${server.url}/api/sessions`);

    expect([unauthorised.status, limited.status]).toEqual([401, 429]);
    expect(securityHeadersOf(unauthorised)).toEqual({ ...EXPECTED, ...WITHOUT });
    expect(securityHeadersOf(limited)).toEqual({ ...EXPECTED, ...WITHOUT });
  });

  it('are on a 400 for unparsable JSON', async () => {
    const server = await startServer();

    const reply = await send(`${server.url}/api/sessions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{' });

    expect(reply.status).toBe(400);
    expect(securityHeadersOf(reply)).toEqual({ ...EXPECTED, ...WITHOUT });
  });

  it('are on the stream, beside its own headers', async () => {
    const server = await startServer();

    const stream = await openStream(`${server.url}/api/sse/sessions`);

    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.headers['x-accel-buffering']).toBe('no');
    expect(securityHeadersOf(stream)).toEqual({ ...EXPECTED, ...WITHOUT });
  });

  it('are on the page saying to build the dashboard', async () => {
    const server = await startServer();

    const reply = await send(`${server.url}/`);

    expect(reply.text).toContain('pnpm build');
    expect(securityHeadersOf(reply)).toEqual({ ...EXPECTED, ...WITHOUT });
  });
});
