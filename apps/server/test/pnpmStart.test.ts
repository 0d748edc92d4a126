import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './helpers.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;

let started: { child: ChildProcess; home: string } | undefined;
afterEach(async () => {
  if (started === undefined) return;
  const { child, home } = started;
  started = undefined;
  if (child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  await rm(home, { recursive: true, force: true });
});

/**
 * `pnpm start` in a process group of its own, as a terminal runs it (it builds first when the
 * build is stale); resolves once the server says where it listens.
 */
async function pnpmStart() {
  const home = await realpath(await mkdtemp(join(tmpdir(), 'sessionboard-start-')));
  const child = spawn('pnpm', ['start'], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, PORT: '0', HOME: home, FS_ROOT: home, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started = { child, home };
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await waitFor(() => (output.includes('Sessionboard on http://') ? true : undefined), 90_000, () => output);
  return { child, exited, output: () => output };
}

describe('pnpm start', () => {
  it('passes a SIGTERM sent to pnpm on to the server, which stops gracefully, and exits 0', async () => {
    const run = await pnpmStart();
    process.kill(run.child.pid as number, 'SIGTERM');
    const exit = await run.exited;

    expect(run.output()).toMatch(/"signal":"SIGTERM","msg":"shutting down"/);
    expect(run.output()).toContain('"msg":"stopped"');
    expect(run.output()).not.toContain('ELIFECYCLE');
    expect(exit).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('ends on Ctrl-C (SIGINT to the whole process group) without ELIFECYCLE, exit 0', async () => {
    const run = await pnpmStart();
    process.kill(-(run.child.pid as number), 'SIGINT');
    const exit = await run.exited;

    expect(run.output()).toMatch(/"signal":"SIGINT","msg":"shutting down"/);
    expect(run.output()).toContain('"msg":"stopped"');
    expect(run.output()).not.toContain('ELIFECYCLE');
    expect(run.output()).not.toContain('Command failed');
    expect(exit).toEqual({ code: 0, signal: null });
  }, 120_000);
});
