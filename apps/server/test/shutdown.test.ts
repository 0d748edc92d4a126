import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Session } from '@sessionboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, openStream, sendJson, waitFor } from './helpers.ts';

const SERVER_DIR = new URL('..', import.meta.url).pathname;

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];
const tempDirs: string[] = [];

afterEach(async () => {
  await closeAll();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function runMain(env: Record<string, string>): Promise<Running> {
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
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

function groupExists(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

describe('main', () => {
  it('exits 0 within 10 s of SIGTERM, ending streams and leaving no session process behind', async () => {
    const main = await runMain({ KILL_GRACE_MS: '500' });
    const url = await waitFor(() => /"url":"(http:\/\/[^"]+)"/.exec(main.output())?.[1], 15_000, main.output);
    const sessions: Session[] = [];
    for (const command of [['sleep', '30'], ['sleep', '31'], ['sh', '-c', "trap '' TERM; sleep 32"]]) {
      sessions.push((await sendJson<Session>(`${url}/api/sessions`, 'POST', { command })).body);
    }
    const stream = await openStream(`${url}/api/sse/sessions`);
    await stream.next((frame) => frame.event === 'snapshot');
    expect(sessions.map((s) => s.status)).toEqual(['running', 'running', 'running']);

    const signalledAt = Date.now();
    main.child.kill('SIGTERM');
    const result = await main.exited;

    expect(result).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    await stream.ended;
    for (const session of sessions) {
      expect(() => process.kill(session.pid as number, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    }
    // The shell's own sleep was SIGKILLed with its group; init reaps it a moment later.
    await waitFor(() => (sessions.some((s) => groupExists(s.pid as number)) ? undefined : true), 5000);
  });

  it('exits 1 with a message naming the variable when the configuration is bad', async () => {
    const main = await runMain({ SSE_HEARTBEAT_MS: 'soon' });

    const result = await main.exited;

    expect(result.code).toBe(1);
    expect(main.output()).toContain('SSE_HEARTBEAT_MS must be an integer from 100 to 3600000, got "soon"');
    expect(main.output()).not.toMatch(/\n\s+at /);
  });
});
