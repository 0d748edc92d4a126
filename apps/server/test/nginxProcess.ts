import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHttpProcess, type HttpProcess } from './httpProcess.ts';
import { freePort } from './redisServer.ts';

/** The shipped configuration: the runner and the site it includes. */
export const NGINX_CONFIG = fileURLToPath(new URL('../../../docs/deploy/nginx.conf', import.meta.url));
export const NGINX_SITE = fileURLToPath(new URL('../../../ops/nginx/sessionboard.conf', import.meta.url));
/** Debian's nginx lives in /usr/sbin, which is not on every user's PATH. */
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

/**
 * nginx started by a test. `stop` sends SIGTERM, so that its master ends its workers
 * (SIGKILL would orphan them), and removes its prefix.
 */
export type NginxProcess = HttpProcess;

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
  const args = ['-p', prefix, '-e', 'stderr', '-c', join(prefix, 'nginx.conf'), '-g', globals];
  // Any answer will do: the probe only shows that nginx accepts connections.
  return startHttpProcess({ name: 'nginx', command: NGINX, args, port, dir: prefix, probePath: '/nginx-probe', ready: () => true, timeoutMs: 10_000, intervalMs: 50 });
}
