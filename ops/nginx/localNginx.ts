import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// For the tests that run nginx (apps/server/test/nginxProcess.ts, e2e/support/NginxProcess.ts):
// the shipped configuration, rewritten once here for the ports a test picks.

/** The shipped configuration: the runner, and the site it includes. */
const CONFIG = fileURLToPath(new URL('../../docs/deploy/nginx.conf', import.meta.url));
const SITE = fileURLToPath(new URL('sessionboard.conf', import.meta.url));
/** Debian's nginx lives in /usr/sbin, which is not on every user's PATH. */
export const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

/**
 * Writes docs/deploy/nginx.conf and the site it includes into `prefix`, as shipped but for the
 * ports: the upstream gets one `server` line per port of `instancePorts` (with the shipped
 * line's parameters), and nginx listens on 127.0.0.1:`port`. Returns the arguments that run
 * nginx on them in the foreground, logging to stderr.
 * @throws when the site has no `server 127.0.0.1:4021` line to copy.
 */
export async function writeLocalNginxConfig(prefix: string, instancePorts: readonly number[], port: number): Promise<string[]> {
  const site = await readFile(SITE, 'utf8');
  const line = /^( *)server 127\.0\.0\.1:4021( [^;]*)?;\n/m.exec(site);
  if (line === null) throw new Error(`${SITE} has no "server 127.0.0.1:4021" line`);
  const servers = instancePorts.map((instancePort) => `${line[1]}server 127.0.0.1:${instancePort}${line[2] ?? ''};\n`).join('');
  const rewritten = site
    .replace(/^ *server 127\.0\.0\.1:402\d[^;]*;\n/gm, '')
    .replace(/^( *)keepalive/m, `${servers}$1keepalive`)
    .replace(/^( *)listen 8080;/m, `$1listen 127.0.0.1:${port};`);
  await writeFile(join(prefix, 'sessionboard.conf'), rewritten);
  const main = (await readFile(CONFIG, 'utf8')).replace('include ../../ops/nginx/sessionboard.conf;', `include ${join(prefix, 'sessionboard.conf')};`);
  await writeFile(join(prefix, 'nginx.conf'), main);
  // As root, workers would run as nobody and could not use the prefix.
  const globals = `daemon off;${process.getuid?.() === 0 ? ' user root;' : ''}`;
  return ['-p', prefix, '-e', 'stderr', '-c', join(prefix, 'nginx.conf'), '-g', globals];
}
