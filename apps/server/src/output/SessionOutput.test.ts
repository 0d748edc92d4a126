import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureTimers } from './OutputCapture.ts';
import { RecentReads } from './RecentReads.ts';
import { SessionOutput } from './SessionOutput.ts';

/** Timers that run only when told to. */
function manualTimers() {
  const pending = new Map<number, { callback: () => void; ms: number }>();
  let ids = 0;
  const timers: CaptureTimers = {
    setTimeout: (callback, ms) => {
      pending.set(++ids, { callback, ms });
      return ids;
    },
    clearTimeout: (handle) => pending.delete(handle as number),
  };
  const runAll = () => {
    for (const [id, timer] of [...pending]) {
      pending.delete(id);
      timer.callback();
    }
  };
  return { timers, pending, runAll };
}

function setup(capacity = 1024) {
  const clock = manualTimers();
  const ended: SessionOutput[] = [];
  const output = new SessionOutput({ capacity, eofGraceMs: 1000, timers: clock.timers, onEnded: (done) => ended.push(done) });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  output.capture({ stdout, stderr });
  return { output, stdout, stderr, clock, ended };
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('reading', () => {
  it('reads what the pipes brought, with the end so far, not ended while the process lives', async () => {
    const { output, stdout, stderr } = setup();

    stdout.write('hello\n');
    await tick();
    stderr.write('oops\n');
    await tick();

    expect(await output.read(0, 1000)).toEqual({
      from: 0,
      offset: 11,
      end: 11,
      ended: false,
      removed: false,
      chunks: [
        { stream: 'stdout', text: 'hello\n', offset: 6 },
        { stream: 'stderr', text: 'oops\n', offset: 11 },
      ],
    });
  });

  it('answers an offset past the end with that offset while live, and the final offset once ended', async () => {
    const { output, stdout, stderr } = setup();
    stdout.write('abc');
    await tick();

    const live = await output.read(10, 100);
    stdout.end();
    stderr.end();
    await tick();
    await tick();
    output.processEnded();
    const ended = await output.read(10, 100);

    expect([live.offset, live.ended]).toEqual([10, false]);
    expect([ended.offset, ended.end, ended.ended]).toEqual([3, 3, true]);
  });
});

describe('the end', () => {
  it('ends when the process has ended and both pipes have closed, whichever comes last', async () => {
    const { output, stdout, stderr, ended } = setup();
    stdout.write('last words');
    await tick();

    output.processEnded();
    const beforeClose = output.ended;
    stdout.end();
    stderr.end();
    await tick();
    await tick();

    expect(beforeClose).toBe(false);
    expect(output.ended).toBe(true);
    expect(ended).toEqual([output]);
    expect((await output.read(0, 100)).chunks.map((chunk) => chunk.text)).toEqual(['last words']);
  });

  it('ends after the grace when something the process started keeps a pipe open, and closes it', async () => {
    const { output, stdout, stderr, clock } = setup();
    stdout.end();
    await tick();
    await tick();

    output.processEnded();
    const grace = [...clock.pending.values()].map((timer) => timer.ms);
    clock.runAll();
    stderr.write('too late');
    await tick();

    expect(grace).toEqual([1000]);
    expect(output.ended).toBe(true);
    expect(stderr.destroyed).toBe(true);
    expect((await output.read(0, 100)).chunks).toEqual([]);
  });

  it('ends at once for a process that never started', () => {
    const clock = manualTimers();
    const output = new SessionOutput({ capacity: 1024, eofGraceMs: 1000, timers: clock.timers });

    output.processEnded();

    expect(output.ended).toBe(true);
    expect(clock.pending.size).toBe(0);
  });
});

describe('changes', () => {
  it('calls a listener once, at the next append', async () => {
    const { output, stdout } = setup();
    let calls = 0;
    output.onChange(() => (calls += 1));

    stdout.write('a');
    await tick();
    stdout.write('b');
    await tick();

    expect(calls).toBe(1);
  });

  it('calls listeners at the end and at removal, and not after a cancel', async () => {
    const { output, stdout, stderr } = setup();
    const calls: string[] = [];
    output.onChange(() => calls.push('end'));
    const cancel = output.onChange(() => calls.push('cancelled'));
    cancel();

    stdout.end();
    stderr.end();
    output.processEnded();
    await tick();
    await tick();
    output.onChange(() => calls.push('removed'));
    await output.remove();

    expect(calls).toEqual(['end', 'removed']);
  });
});

describe('removal', () => {
  it('answers reads with removed, ended and the last end, and frees its memory', async () => {
    const { output, stdout } = setup();
    stdout.write('gone soon');
    await tick();

    await output.remove();

    expect(await output.read(0, 100)).toEqual({ from: 9, chunks: [], offset: 0, end: 9, ended: true, removed: true });
    expect(output.byteLength).toBe(0);
  });
});

describe('spilling', () => {
  it('reads the same from a file after a spill, holding only the index in memory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sessionboard-session-output-'));
    dirs.push(dir);
    const { output, stdout, stderr } = setup(64 * 1024);
    stdout.write('x'.repeat(40_000));
    stderr.end('€ and more\n');
    stdout.end();
    await tick();
    await tick();
    output.processEnded();
    const before = await output.read(39_990, 1000);

    await output.spill(join(dir, '1.out'));
    const after = await output.read(39_990, 1000);

    expect(after).toEqual(before);
    expect(output.kept).toEqual({ memory: 0, disk: 40_013 });
    expect(output.byteLength).toBeLessThan(100);
    await output.remove();
    expect(await readdir(dir)).toEqual([]);
  });

  it('hands out what a memo keeps for the same range after a spill, as from memory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sessionboard-session-output-'));
    dirs.push(dir);
    const { output, stdout, stderr } = setup();
    stdout.end('hello\n');
    stderr.end();
    await tick();
    await tick();
    output.processEnded();
    await output.spill(join(dir, '1.out'));
    const memo = new RecentReads();

    const [first, second] = await Promise.all([output.read(0, 100, memo), output.read(0, 100, memo)]);

    expect(output.kept).toEqual({ memory: 0, disk: 6 });
    expect(second.chunks).toBe(first.chunks);
    expect(first.chunks).toEqual([{ stream: 'stdout', text: 'hello\n', offset: 6 }]);
  });

  it('does not spill output that is still growing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sessionboard-session-output-'));
    dirs.push(dir);
    const { output, stdout } = setup();
    stdout.write('live');
    await tick();

    await output.spill(join(dir, '1.out'));

    expect(output.kept).toEqual({ memory: 4, disk: 0 });
    expect(await readdir(dir)).toEqual([]);
  });
});
