import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NGINX, writeLocalNginxConfig } from '../../ops/nginx/localNginx.ts';
import { freePort } from './freePort.ts';
import { waitUntil } from './waitUntil.ts';

/**
 * Debian's nginx with the shipped configuration (round-robin, no stickiness, default proxy
 * buffering), as shipped but for the ports: one upstream `server` line per instance port,
 * with the shipped line's parameters, and a free 127.0.0.1 port to listen on.
 */
export class NginxProcess {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly prefix: string,
    readonly port: number,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** Starts it in front of `instancePorts` and waits until it accepts connections. */
  static async start(instancePorts: readonly number[]): Promise<NginxProcess> {
    const prefix = await mkdtemp(join(tmpdir(), 'sessionboard-e2e-nginx-'));
    const port = await freePort();
    const args = await writeLocalNginxConfig(prefix, instancePorts, port);
    const child = spawn(NGINX, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const nginx = new NginxProcess(child, prefix, port);
    try {
      await waitUntil(
        async () => {
          if (child.exitCode !== null) throw new Error(`nginx exited: ${nginx.log}`);
          return (await fetch(`${nginx.url}/api/health`).then(() => true, () => false)) ? true : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 50, message: `nginx on port ${port}` },
      );
    } catch (error) {
      await nginx.stop();
      throw error;
    }
    return nginx;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What nginx wrote on stderr. */
  get log(): string {
    return this.output;
  }

  /** SIGTERM, so that the master ends its workers (SIGKILL would orphan them); then removes its prefix. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.prefix, { recursive: true, force: true });
  }
}
