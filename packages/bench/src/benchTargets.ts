import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchTarget } from './BenchTarget.ts';

/** The monorepo root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The built Sessionboard server. */
export const SESSIONBOARD_MAIN = fileURLToPath(new URL('../../../apps/server/dist/main.js', import.meta.url));

function peer(key: string, label: string, file: string, maxStreams?: number): BenchTarget {
  return {
    maxStreams,
    key,
    label,
    script: fileURLToPath(new URL(`./peers/${file}`, import.meta.url)),
    nodeArgs: ['--import', import.meta.resolve('tsx')],
    env: { FS_ROOT: os.tmpdir() },
    eventsPerTrigger: 2,
  };
}

/** Node's floor, the reference every ratio is taken against. */
export const NODE_FLOOR = peer('node-floor', 'plain Node http', 'plainNodePeer.ts');

/** The socket-level floor: each event framed once as an HTTP/1.1 chunk, written straight to every socket. */
export const SOCKET_FLOOR = peer('socket-floor', 'Node socket floor', 'socketFloorPeer.ts');

/** The peers written in Node: the floors first, then better-sse and the naive plan. */
export const PEERS: readonly BenchTarget[] = [
  NODE_FLOOR,
  SOCKET_FLOOR,
  peer('better-sse', 'better-sse + Express', 'betterSsePeer.ts'),
  // Past 5000 streams it cannot keep up with 10 events/s here, and one run takes minutes.
  peer('naive', 'naive plan', 'naivePeer.ts', 5000),
];

/**
 * Sessionboard as `pnpm start` runs it, limits raised above the bench's load: each
 * `POST /api/sessions` spawns `true`, which publishes `session_created` and, when it exits,
 * `session_updated`. With `cpuProfDir`, each run writes a V8 CPU profile there when it stops.
 */
export function sessionboardTarget(maxStreams: number, cpuProfDir?: string, fsRoot = os.tmpdir()): BenchTarget {
  return {
    key: 'sessionboard',
    label: 'Sessionboard',
    script: SESSIONBOARD_MAIN,
    nodeArgs: cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`],
    cwd: REPO_ROOT,
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      RATE_LIMIT_PER_MINUTE: '1000000',
      SSE_MAX_CONNECTIONS: String(maxStreams + 100),
      SESSIONS_MAX_LIVE: '10000',
      SESSIONS_KEEP_ENDED: '10000',
      SSE_HEARTBEAT_MS: '30000',
      FS_ROOT: fsRoot,
    },
    eventsPerTrigger: 2,
  };
}

/** A built Sessionboard bundle other than the current one, under the key `sessionboard-baseline`. */
export function baselineTarget(bundle: string, maxStreams: number): BenchTarget {
  return { ...sessionboardTarget(maxStreams), key: 'sessionboard-baseline', label: 'Sessionboard (baseline)', script: bundle };
}

/** True when the server has been built. */
export function sessionboardBuilt(): boolean {
  return existsSync(SESSIONBOARD_MAIN);
}
