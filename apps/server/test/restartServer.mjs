#!/usr/bin/env node
// What the rollout test gives scripts/rollout.mjs as its --restart command: stops the server
// this state directory started (SIGTERM, as systemd would), then starts `src/main.ts` again on
// the same port with this process's environment (SSE_ROLLOUT_PERCENT among it), and returns
// once it answers GET /api/health.
//   node test/restartServer.mjs <state dir> <port>
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [stateDir, port] = process.argv.slice(2);
if (!stateDir || !port) {
  console.error('usage: node test/restartServer.mjs <state dir> <port>');
  process.exit(2);
}
const pidFile = join(stateDir, 'server.pid');
const serverDir = new URL('..', import.meta.url).pathname;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

if (existsSync(pidFile)) {
  const pid = Number(readFileSync(pidFile, 'utf8'));
  if (pid > 0 && alive(pid)) {
    process.kill(pid, 'SIGTERM');
    for (let waited = 0; alive(pid); waited += 50) {
      if (waited > 10_000) process.kill(pid, 'SIGKILL');
      await sleep(50);
    }
  }
}

const fsRoot = join(stateDir, 'fs');
mkdirSync(fsRoot, { recursive: true });
const log = openSync(join(stateDir, 'server.log'), 'a');
const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
  cwd: serverDir,
  env: { ...process.env, HOST: '127.0.0.1', PORT: port, FS_ROOT: fsRoot, HOME: fsRoot, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  stdio: ['ignore', log, log],
  detached: true,
});
writeFileSync(pidFile, String(child.pid));
child.unref();

for (let waited = 0; ; waited += 100) {
  const healthy = await fetch(`http://127.0.0.1:${port}/api/health`).then((reply) => reply.ok, () => false);
  if (healthy) break;
  if (waited > 20_000 || !alive(child.pid)) {
    console.error(`restartServer: the server did not come up on port ${port}; see ${join(stateDir, 'server.log')}`);
    process.exit(1);
  }
  await sleep(100);
}
console.log(`restartServer: pid ${child.pid} on port ${port} at SSE_ROLLOUT_PERCENT=${process.env.SSE_ROLLOUT_PERCENT ?? 'unset'}`);
