import { spawn } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SERVER_DIR = new URL('..', import.meta.url).pathname;
const tempDirs: string[] = [];

afterEach(async () => {
  for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Runs `src/main.ts` until it exits (it must: each case refuses to start); kills it after 15 s. */
async function runMain(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const fsRoot = await realpath(await mkdtemp(join(tmpdir(), 'sessionboard-startup-')));
  tempDirs.push(fsRoot);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: SERVER_DIR,
    env: { PATH: process.env.PATH, HOME: fsRoot, FS_ROOT: fsRoot, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, output };
}

describe('startup', () => {
  it('refuses to listen on HOST=0.0.0.0 without AUTH_TOKEN, saying what to set, and exits 1', async () => {
    const { code, output } = await runMain({ HOST: '0.0.0.0' });

    expect(code).toBe(1);
    expect(output.trim()).toBe(
      'Refusing to listen on HOST=0.0.0.0 without AUTH_TOKEN: anyone who can reach it could run commands on this machine. ' +
        'Set AUTH_TOKEN to a secret of at least 16 characters (e.g. AUTH_TOKEN=$(openssl rand -hex 32)), ' +
        'or set HOST=127.0.0.1 to accept connections from this machine only.',
    );
  });

  it('refuses a short AUTH_TOKEN without printing it, and exits 1', async () => {
    const { code, output } = await runMain({ HOST: '0.0.0.0', AUTH_TOKEN: 'hunter2hunter2' });

    expect(code).toBe(1);
    expect(output.trim()).toBe(
      'Invalid configuration: AUTH_TOKEN must be at least 16 characters, e.g. AUTH_TOKEN=$(openssl rand -hex 32), got 14 characters',
    );
    expect(output).not.toContain('hunter2');
  });
});
