import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NGINX, writeLocalNginxConfig } from '../../../ops/nginx/localNginx.ts';
import { startHttpProcess, type HttpProcess } from './httpProcess.ts';
import { freePort } from './redisServer.ts';

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
  const args = await writeLocalNginxConfig(prefix, instancePorts, port);
  // Any answer will do: the probe only shows that nginx accepts connections.
  return startHttpProcess({ name: 'nginx', command: NGINX, args, port, dir: prefix, probePath: '/nginx-probe', ready: () => true, timeoutMs: 10_000, intervalMs: 50 });
}
