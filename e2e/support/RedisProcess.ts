import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './freePort.ts';
import { waitUntil } from './waitUntil.ts';

/** Resolves with Redis' first reply line to a PING, over a fresh connection. */
function ping(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.setTimeout(1000, () => socket.destroy(new Error('no answer')));
    socket.once('data', (chunk) => {
      socket.end();
      resolve(chunk.toString());
    });
    socket.once('error', reject);
  });
}

/** A `redis-server` (Debian's, from PATH) of a test's own on a free 127.0.0.1 port, nothing saved. */
export class RedisProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
  ) {}

  /** Starts it and waits until it answers PING. */
  static async start(): Promise<RedisProcess> {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'sessionboard-e2e-redis-'));
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const redis = new RedisProcess(child, dir, port);
    try {
      await waitUntil(async () => ((await ping(port)).startsWith('+PONG') ? true : undefined), {
        timeoutMs: 10_000,
        intervalMs: 50,
        message: `redis-server on port ${port}`,
      });
    } catch (error) {
      await redis.stop();
      throw error;
    }
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
