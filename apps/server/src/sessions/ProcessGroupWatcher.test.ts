import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasLiveMember } from './ProcessGroupWatcher.ts';

let proc: string;

beforeEach(async () => {
  proc = await mkdtemp(join(tmpdir(), 'sessionboard-proc-'));
});

afterEach(async () => {
  await rm(proc, { recursive: true, force: true });
});

/** A fake /proc/<pid>/stat: `pid (comm) state ppid pgrp session …`. */
async function processEntry(pid: number, comm: string, state: string, pgrp: number): Promise<void> {
  await mkdir(join(proc, String(pid)));
  await writeFile(join(proc, String(pid), 'stat'), `${pid} (${comm}) ${state} 1 ${pgrp} ${pgrp} 0 -1 4194560 0 0 0 0\n`);
}

describe('hasLiveMember', () => {
  it('finds a running or sleeping member of the group', async () => {
    await processEntry(100, 'sh', 'S', 100);
    await processEntry(101, 'sleep', 'R', 100);

    expect(hasLiveMember(100, proc)).toBe(true);
  });

  it('counts a group whose only members are zombies, or other groups\' processes, as empty', async () => {
    await processEntry(101, 'sleep', 'Z', 100);
    await processEntry(102, 'sleep', 'X', 100);
    await processEntry(200, 'other', 'S', 200);

    expect(hasLiveMember(100, proc)).toBe(false);
  });

  it('reads the state after the last parenthesis of a command name with spaces and parentheses', async () => {
    await processEntry(101, 'a) Z 1 100 (b', 'S', 100);

    expect(hasLiveMember(100, proc)).toBe(true);
  });

  it('ignores entries that are not processes, and answers true when /proc cannot be read', async () => {
    await mkdir(join(proc, 'self'));
    await writeFile(join(proc, 'uptime'), '1 1\n');

    expect(hasLiveMember(100, proc)).toBe(false);
    expect(hasLiveMember(100, join(proc, 'missing'))).toBe(true);
  });
});
