import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './freePort.ts';

/** A `redis-server` of the bench's own. */
export interface RunningRedis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('data', (chunk) => {
      socket.end();
      resolve(chunk.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/**
 * Starts `redis-server` (from PATH; Debian's package) on a free 127.0.0.1 port, saving
 * nothing, in a temporary directory; resolves once it answers PING.
 * @throws when it is not installed or does not answer within 10 s.
 */
export async function startRedis(): Promise<RunningRedis> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'sessionboard-bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  let failed: Error | undefined;
  child.once('error', (error) => (failed = error));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && failed === undefined) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (failed !== undefined || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not start${failed ? `: ${failed.message}` : ' within 10 s'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid ?? -1, stop };
}
