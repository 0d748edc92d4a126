import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './createLogger.ts';

function capture() {
  const destination = new PassThrough();
  let text = '';
  destination.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { destination, lines: () => text.split('\n').filter(Boolean) };
}

describe('createLogger', () => {
  it('writes one JSON object per line by default', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', destination: out.destination });
    logger.info({ method: 'GET', url: '/api/sessions', status: 200, ms: 3 }, 'GET /api/sessions 200 3 ms');
    logger.debug('hidden at info');

    expect(out.lines()).toHaveLength(1);
    expect(JSON.parse(out.lines()[0] as string)).toMatchObject({ level: 30, method: 'GET', url: '/api/sessions', status: 200, ms: 3, msg: 'GET /api/sessions 200 3 ms' });
  });

  it('writes short lines, time, level and message, when pretty', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', pretty: true, destination: out.destination });
    logger.info({ method: 'GET', url: '/api/sessions', status: 200, ms: 3 }, 'GET /api/sessions 200 3 ms');
    logger.warn({ signal: 'SIGTERM' }, 'shutting down');

    expect(out.lines()[0]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: GET \/api\/sessions 200 3 ms$/);
    expect(out.lines()[1]).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: shutting down \{"signal":"SIGTERM"\}$/);
  });
});
