import { spawn } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, openStream, send, startServer, waitFor } from './helpers.ts';
import { runMain, stopMains } from './runMain.ts';

afterEach(async () => {
  await closeAll();
  await stopMains();
});

interface Line {
  level: number;
  msg: string;
  url?: string;
}

function collector(level: 'info' | 'debug') {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Line);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

describe('request logs', () => {
  it('log API requests at info, but health checks, metrics scrapes and dashboard files only at debug', async () => {
    const info = collector('info');
    const server = await startServer({}, { logger: info.logger });
    for (const path of ['/api/health', '/metrics', '/', '/assets/app.js', '/api/sessions', '/api/nope']) await send(`${server.url}${path}`);
    await waitFor(() => (info.lines.length >= 2 ? true : undefined));

    expect(info.lines.map((line) => line.msg)).toEqual([expect.stringMatching(/^GET \/api\/sessions 200 \d+ ms$/), expect.stringMatching(/^GET \/api\/nope 404 \d+ ms$/)]);

    const debug = collector('debug');
    const verbose = await startServer({}, { logger: debug.logger });
    await send(`${verbose.url}/api/health`);
    await waitFor(() => (debug.lines.some((line) => line.url === '/api/health') ? true : undefined));
    expect(debug.lines.find((line) => line.url === '/api/health')?.level).toBe(20);
  });

  it('log a stream opened by the fast path when it ends, with its life in ms', async () => {
    const info = collector('info');
    const server = await startServer({}, { logger: info.logger });
    const stream = await openStream(`${server.url}/api/sse/sessions`);
    await stream.next((frame) => frame.event === 'snapshot');
    stream.close();
    await waitFor(() => (info.lines.length >= 1 ? true : undefined));
    expect(info.lines[0]?.msg).toMatch(/^GET \/api\/sse\/sessions 200 \d+ ms$/);
  });
});

describe('the first line', () => {
  it('says where the dashboard is, in JSON when the output is not a terminal', async () => {
    const main = await runMain({});
    const line = await waitFor(() => main.output().split('\n')[0] || undefined, 15_000);
    const parsed = JSON.parse(line) as Line;
    expect(parsed.msg).toMatch(/^Sessionboard on http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(`${parsed.url}/`).toBe(parsed.msg.slice('Sessionboard on '.length));
  });

  it('says where the dashboard is, as a short line on a terminal', async () => {
    const home = await realpath(await mkdtemp(join(tmpdir(), 'sessionboard-tty-')));
    const serverDir = new URL('..', import.meta.url).pathname;
    // `script` gives the server a pseudo-terminal, as a person's shell would.
    const child = spawn('script', ['-qfec', `${process.execPath} --import tsx src/main.ts`, '/dev/null'], {
      cwd: serverDir,
      env: { PATH: process.env.PATH, HOME: home, FS_ROOT: home, PORT: '0', TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const first = await waitFor(() => (output.includes('\n') ? output.split(/\r?\n/)[0] : undefined), 15_000);
      // eslint-disable-next-line no-control-regex
      const plain = first.replace(/\x1b\[[0-9;]*m/g, '');
      expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: Sessionboard on http:\/\/127\.0\.0\.1:\d+\/$/);
    } finally {
      child.kill('SIGKILL');
      await rm(home, { recursive: true, force: true });
    }
  });
});
