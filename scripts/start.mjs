#!/usr/bin/env node
// What `pnpm start` runs: builds the server and the dashboard when a build output is missing
// or older than any source, then runs the server in the foreground. Signals go to the running
// child (SIGHUP as SIGTERM, for a graceful stop), and its exit code or signal becomes ours.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const serverEntry = join(root, 'apps/server/dist/main.js');
const outputs = [serverEntry, join(root, 'apps/web/dist/index.html')];

// Besides each package's src/, the few files beside it that shape a build.
const BUILD_INPUTS = ['index.html', 'vite.config.ts', 'build.mjs', 'package.json', 'tsconfig.json'];

/** The newest modification time under `dir`, skipping tests; 0 for a missing dir. */
function newestMtime(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      newest = Math.max(newest, newestMtime(path));
    } else if (entry.isFile() && !/\.(test|spec)\.[cm]?[jt]sx?$/.test(entry.name)) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

function buildReason() {
  const missing = outputs.filter((output) => !existsSync(output));
  if (missing.length > 0) return `${missing.map((path) => path.slice(root.length)).join(', ')} missing`;
  const built = Math.min(...outputs.map((output) => statSync(output).mtimeMs));
  for (const group of ['apps', 'packages']) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const pkg of readdirSync(groupDir, { withFileTypes: true })) {
      if (!pkg.isDirectory()) continue;
      const pkgDir = join(groupDir, pkg.name);
      const inputs = [newestMtime(join(pkgDir, 'src'))];
      if (group === 'apps') {
        for (const name of BUILD_INPUTS) {
          const path = join(pkgDir, name);
          if (existsSync(path)) inputs.push(statSync(path).mtimeMs);
        }
      }
      if (Math.max(...inputs) > built) return `${group}/${pkg.name} changed since the last build`;
    }
  }
  return null;
}

let current = null;
const FORWARDED = { SIGINT: 'SIGINT', SIGTERM: 'SIGTERM', SIGHUP: 'SIGTERM' };
for (const [received, sent] of Object.entries(FORWARDED)) {
  process.on(received, () => {
    if (current === null) process.exit(128 + constants.signals[received]);
    current.kill(sent);
  });
}

/** Runs a command with our stdio; resolves with its exit code or signal. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
    current = child;
    child.once('error', (error) => {
      console.error(`start: cannot run ${command}: ${error.message}`);
      current = null;
      resolve({ code: 127, signal: null });
    });
    child.once('exit', (code, signal) => {
      current = null;
      resolve({ code, signal });
    });
  });
}

/** Ends this process the way the child ended: same exit code, or killed by the same signal. */
function exitLike({ code, signal }) {
  if (signal === null) process.exit(code ?? 1);
  for (const name of Object.keys(FORWARDED)) process.removeAllListeners(name);
  process.kill(process.pid, signal);
  setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 1000);
}

async function main() {
  const reason = buildReason();
  if (reason !== null) {
    console.error(`start: building (${reason})`);
    const built = await run('pnpm', ['build']);
    if (built.code !== 0 || built.signal !== null) {
      console.error('start: the build failed');
      return built;
    }
  }
  return run(process.execPath, ['--enable-source-maps', serverEntry]);
}

exitLike(await main());
