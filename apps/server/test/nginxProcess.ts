import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './redisServer.ts';

/** The shipped configuration: the runner and the site it includes. */
export const NGINX_CONFIG = fileURLToPath(new URL('../../../docs/deploy/nginx.conf', import.meta.url));
export const NGINX_SITE = fileURLToPath(new URL('../../../ops/nginx/sessionboard.conf', import.meta.url));
/** Debian's nginx lives in /usr/sbin, which is not on every user's PATH. */
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

/** nginx started by a test. */
export interface NginxProcess {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** What nginx wrote on stderr. */
  output(): string;
  /** Stops it with SIGTERM (its master ends its workers; SIGKILL would orphan them) and removes its prefix. */
  stop(): Promise<void>;
}

/**
 * Runs real nginx with docs/deploy/nginx.conf and the site it includes, as shipped but for
 * the ports: the upstream gets one `server` line per port of `instancePorts` (with the
 * shipped line's parameters), and nginx listens on a free 127.0.0.1 port. Resolves once
 * nginx accepts connections.
 */
export async function startNginx(instancePorts: readonly number[]): Promise<NginxProcess> {
  const prefix = await mkdtemp(join(tmpdir(), 'sessionboard-nginx-'));
  const port = await freePort();
  const site = await readFile(NGINX_SITE, 'utf8');
  const serverLine = /^( *)server 127\.0\.0\.1:4021( [^;]*)?;\n/m.exec(site);
  if (serverLine === null) throw new Error(`${NGINX_SITE} has no "server 127.0.0.1:4021" line`);
  const servers = instancePorts.map((instancePort) => `${serverLine[1]}server 127.0.0.1:${instancePort}${serverLine[2] ?? ''};\n`).join('');
  const rewritten = site
    .replace(/^ *server 127\.0\.0\.1:402\d[^;]*;\n/gm, '')
    .replace(/^( *)keepalive/m, `${servers}$1keepalive`)
    .replace(/^( *)listen 8080;/m, `$1listen 127.0.0.1:${port};`);
  await writeFile(join(prefix, 'sessionboard.conf'), rewritten);
  const main = (await readFile(NGINX_CONFIG, 'utf8')).replace('include ../../ops/nginx/sessionboard.conf;', `include ${join(prefix, 'sessionboard.conf')};`);
  await writeFile(join(prefix, 'nginx.conf'), main);
  // As root, workers would run as nobody and could not use the prefix.
  const globals = `daemon off;${process.getuid?.() === 0 ? ' user root;' : ''}`;
  const child: ChildProcess = spawn(NGINX, ['-p', prefix, '-e', 'stderr', '-c', join(prefix, 'nginx.conf'), '-g', globals], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(prefix, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`nginx exited: ${output}`);
    }
    if (await fetch(`${url}/nginx-probe`).then(() => true, () => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, output: () => output, stop };
}
