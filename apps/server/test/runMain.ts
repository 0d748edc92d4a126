import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SERVER_DIR = new URL('..', import.meta.url).pathname;

/** `src/main.ts` running as a process of its own, as `pnpm start` runs it. */
export interface MainProcess {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr together. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const children: ChildProcess[] = [];
const tempDirs: string[] = [];

/** Starts `src/main.ts` on a free port, with HOME and FS_ROOT a fresh temp dir, plus `env`. */
export async function runMain(env: Record<string, string>): Promise<MainProcess> {
  const fsRoot = await realpath(await mkdtemp(join(tmpdir(), 'sessionboard-main-')));
  tempDirs.push(fsRoot);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: SERVER_DIR,
    env: { PATH: process.env.PATH, HOME: fsRoot, FS_ROOT: fsRoot, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, output: () => output, exited };
}

/** Kills every process {@link runMain} started that is still running, and removes their temp dirs. */
export async function stopMains(): Promise<void> {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
}
