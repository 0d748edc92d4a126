import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './freePort.ts';
import { REPO_ROOT } from './paths.ts';
import { waitUntil } from './waitUntil.ts';

/** The configuration the README ships: the runner, and the site it includes. */
const CONFIG = join(REPO_ROOT, 'docs/deploy/nginx.conf');
const SITE = join(REPO_ROOT, 'ops/nginx/sessionboard.conf');
/** Debian's nginx lives in /usr/sbin, which is not on every user's PATH. */
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

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
    const site = await readFile(SITE, 'utf8');
    const line = /^( *)server 127\.0\.0\.1:4021( [^;]*)?;\n/m.exec(site);
    if (line === null) throw new Error(`${SITE} has no "server 127.0.0.1:4021" line`);
    const servers = instancePorts.map((instancePort) => `${line[1]}server 127.0.0.1:${instancePort}${line[2] ?? ''};\n`).join('');
    await writeFile(
      join(prefix, 'sessionboard.conf'),
      site
        .replace(/^ *server 127\.0\.0\.1:402\d[^;]*;\n/gm, '')
        .replace(/^( *)keepalive/m, `${servers}$1keepalive`)
        .replace(/^( *)listen 8080;/m, `$1listen 127.0.0.1:${port};`),
    );
    const main = (await readFile(CONFIG, 'utf8')).replace('include ../../ops/nginx/sessionboard.conf;', `include ${join(prefix, 'sessionboard.conf')};`);
    await writeFile(join(prefix, 'nginx.conf'), main);
    // As root, workers would run as nobody and could not use the prefix.
    const globals = `daemon off;${process.getuid?.() === 0 ? ' user root;' : ''}`;
    const child = spawn(NGINX, ['-p', prefix, '-e', 'stderr', '-c', join(prefix, 'nginx.conf'), '-g', globals], { stdio: ['ignore', 'ignore', 'pipe'] });
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
