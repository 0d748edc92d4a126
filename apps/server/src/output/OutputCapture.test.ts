import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { OutputCapture, type OutputCaptureOptions } from './OutputCapture.ts';
import type { OutputStreamName } from './SegmentIndex.ts';

function setup(options: Partial<OutputCaptureOptions> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const appended: [OutputStreamName, number[]][] = [];
  let closed = 0;
  const capture = new OutputCapture(
    { stdout, stderr },
    {
      append: (stream, bytes) => appended.push([stream, [...bytes]]),
      onClosed: () => (closed += 1),
      ...options,
    },
  );
  return { capture, stdout, stderr, appended, closed: () => closed };
}

describe('pieces', () => {
  it('hands on each read in arrival order, by stream', async () => {
    const { stdout, stderr, appended } = setup();

    stdout.write('out\n');
    await tick();
    stderr.write('err\n');
    await tick();
    stdout.write('more\n');
    await tick();

    expect(appended.map(([stream, bytes]) => [stream, Buffer.from(bytes).toString()])).toEqual([
      ['stdout', 'out\n'],
      ['stderr', 'err\n'],
      ['stdout', 'more\n'],
    ]);
  });

  it('holds back a character split between reads until its last byte comes', async () => {
    const { stdout, stderr, appended } = setup();

    stdout.write(Buffer.from([0x61, 0xe2]));
    await tick();
    stderr.write('x');
    await tick();
    stdout.write(Buffer.from([0x82, 0xac, 0x62]));
    await tick();

    expect(appended).toEqual([
      ['stdout', [0x61]],
      ['stderr', [0x78]],
      ['stdout', [0xe2, 0x82, 0xac, 0x62]],
    ]);
  });

  it('flushes an incomplete character as it is when its pipe ends', async () => {
    const { stdout, stderr, appended, closed } = setup();

    stdout.end(Buffer.from([0x61, 0xf0, 0x9f]));
    stderr.end();
    await tick();
    await tick();

    expect(appended).toEqual([
      ['stdout', [0x61]],
      ['stdout', [0xf0, 0x9f]],
    ]);
    expect(closed()).toBe(1);
  });
});

describe('closing', () => {
  it('says closed once, when both pipes have closed', async () => {
    const { capture, stdout, stderr, closed } = setup();

    stdout.end();
    await tick();
    await tick();
    const afterOne = closed();
    stderr.end();
    await tick();
    await tick();

    expect(afterOne).toBe(0);
    expect(closed()).toBe(1);
    expect(capture.closed).toBe(true);
  });

  it('says closed at once for a process without pipes', async () => {
    let closed = 0;
    const capture = new OutputCapture({ stdout: null }, { append: () => {}, onClosed: () => (closed += 1) });

    await Promise.resolve();

    expect(closed).toBe(1);
    expect(capture.closed).toBe(true);
  });

  it('flushes what was held back, closes the pipes and takes nothing more when stopped', async () => {
    const { capture, stdout, stderr, appended } = setup();
    stdout.write(Buffer.from([0x61, 0xe2, 0x82]));
    await tick();

    capture.stop();
    stdout.write('late');
    await tick();

    expect(appended).toEqual([
      ['stdout', [0x61]],
      ['stdout', [0xe2, 0x82]],
    ]);
    expect(stdout.destroyed).toBe(true);
    expect(stderr.destroyed).toBe(true);
  });
});

describe('throttling', () => {
  it('pauses for 20 ms at least, however small the deficit', async () => {
    const timers: number[] = [];
    const { stdout } = setup({
      bytesPerSecond: 1_000_000,
      burstBytes: 100,
      now: () => 0,
      timers: { setTimeout: (_callback, ms) => timers.push(ms), clearTimeout: () => {} },
    });

    stdout.write(Buffer.alloc(101, 0x61));
    await tick();

    expect(timers).toEqual([20]);
  });

  it('pauses both pipes once the burst is spent, and resumes when the bucket has refilled', async () => {
    let now = 0;
    const timers: { callback: () => void; ms: number }[] = [];
    const { stdout, stderr, appended } = setup({
      bytesPerSecond: 1000,
      burstBytes: 100,
      now: () => now,
      timers: { setTimeout: (callback, ms) => timers.push({ callback, ms }), clearTimeout: () => {} },
    });

    stdout.write(Buffer.alloc(60, 0x61));
    await tick();
    const pausedEarly = stdout.isPaused();
    stdout.write(Buffer.alloc(90, 0x62));
    await tick();
    const paused = [stdout.isPaused(), stderr.isPaused()];
    stderr.write('x');
    await tick();
    const whilePaused = appended.length;
    now += 50;
    timers[0]?.callback();
    await tick();

    expect(pausedEarly).toBe(false);
    expect(paused).toEqual([true, true]);
    // 150 bytes against a burst of 100: 50 over, at 1000 a second.
    expect(timers[0]?.ms).toBe(50);
    expect(whilePaused).toBe(2);
    expect(appended.map(([stream]) => stream)).toEqual(['stdout', 'stdout', 'stderr']);
  });
});
