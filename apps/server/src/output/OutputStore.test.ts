import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputStore, type OutputStoreOptions } from './OutputStore.ts';

let parent: string;
beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), 'sessionboard-store-test-'));
});
afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

/** Runs a process stand-in that prints `text` on stdout and ends. */
async function runToEnd(store: OutputStore, id: string, text: string): Promise<void> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  store.capture(id, { stdout, stderr });
  stdout.end(text);
  stderr.end();
  await tick();
  await tick();
  store.processEnded(id);
}

/** Waits for the store's background file work. */
async function settle(store: OutputStore, id: string, disk: number): Promise<void> {
  for (let i = 0; i < 200 && store.source(id)?.kept.disk !== disk; i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

function createStore(options: Partial<OutputStoreOptions> = {}) {
  const errors: string[] = [];
  const store = new OutputStore({
    capacity: 64 * 1024,
    spillMinBytes: 1024,
    tmpDir: parent,
    onError: (_error, message) => errors.push(message),
    ...options,
  });
  return { store, errors };
}

describe('keeping output', () => {
  it('moves complete output over spillMinBytes to a file in a private directory, and reads it back', async () => {
    const { store } = createStore();

    await runToEnd(store, 'big', 'y\n'.repeat(5000));
    await settle(store, 'big', 10_000);
    const [dir] = await readdir(parent);
    const read = await store.source('big')?.read(9990, 100);

    expect(dir).toMatch(/^sessionboard-output-/);
    expect((await stat(join(parent, dir ?? ''))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(parent, dir ?? ''))).toHaveLength(1);
    expect(store.stats()).toMatchObject({ sessions: 1, memoryBytes: 0, diskBytes: 10_000 });
    expect(read).toMatchObject({ ended: true, end: 10_000, chunks: [{ stream: 'stdout', text: 'y\n'.repeat(5), offset: 10_000 }] });
  });

  it('keeps small complete output in memory, and live output in memory', async () => {
    const { store } = createStore();
    await runToEnd(store, 'small', 'done\n');
    const live = new PassThrough();
    store.capture('live', { stdout: live });
    live.write('x'.repeat(5000));
    await tick();

    expect(store.stats()).toMatchObject({ sessions: 2, memoryBytes: 5005, diskBytes: 0 });
    expect(await readdir(parent)).toEqual([]);
  });

  it('answers undefined for a session it keeps nothing of', () => {
    const { store } = createStore();

    expect(store.source('unknown')).toBeUndefined();
  });

  it('keeps an empty, complete output for a process that never started', async () => {
    const { store } = createStore();

    store.processEnded('failed');

    expect(await store.source('failed')?.read(0, 100)).toMatchObject({ chunks: [], end: 0, ended: true });
  });

  it('keeps output in memory, and says so, when its file cannot be written', async () => {
    const { store, errors } = createStore({ tmpDir: join(parent, 'missing') });

    await runToEnd(store, 'big', 'z'.repeat(5000));
    for (let i = 0; i < 200 && errors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));

    expect(errors).toEqual(['could not move a complete session output to disk; it stays in memory']);
    expect(store.stats()).toMatchObject({ memoryBytes: 5000, diskBytes: 0 });
    expect((await store.source('big')?.read(4998, 100))?.chunks).toEqual([{ stream: 'stdout', text: 'zz', offset: 5000 }]);
  });

  it('keeps complete output in memory once draining', async () => {
    const { store } = createStore();
    store.drain();

    await runToEnd(store, 'big', 'q'.repeat(5000));
    await tick();

    expect(store.stats()).toMatchObject({ memoryBytes: 5000, diskBytes: 0 });
    expect(await readdir(parent)).toEqual([]);
  });
});

describe('removal and close', () => {
  it('deletes a removed session output file', async () => {
    const { store } = createStore();
    await runToEnd(store, 'big', 'y'.repeat(5000));
    await settle(store, 'big', 5000);
    const [dir] = await readdir(parent);

    store.remove('big');
    for (let i = 0; i < 200 && (await readdir(join(parent, dir ?? ''))).length > 0; i++) await tick();

    expect(store.source('big')).toBeUndefined();
    expect(await readdir(join(parent, dir ?? ''))).toEqual([]);
    expect(store.stats().sessions).toBe(0);
  });

  it('closes live pipes and removes its directory on close', async () => {
    const { store } = createStore();
    await runToEnd(store, 'big', 'y'.repeat(5000));
    await settle(store, 'big', 5000);
    const live = new PassThrough();
    store.capture('live', { stdout: live });
    const [dir] = await readdir(parent);

    await store.close();

    expect(live.destroyed).toBe(true);
    expect(existsSync(join(parent, dir ?? ''))).toBe(false);
    expect(store.stats().sessions).toBe(0);
  });
});

describe('observing', () => {
  it('tells an observer of the outputs kept and of each new one before its first byte', async () => {
    const { store } = createStore();
    await runToEnd(store, 'before', 'early\n');
    const seen: [string, number][] = [];

    store.observe((id, output) => seen.push([id, output.end]));
    await runToEnd(store, 'after', 'late\n');

    expect(seen).toEqual([
      ['before', 6],
      ['after', 0],
    ]);
    expect(store.source('after')?.end).toBe(5);
    await store.close();
  });
});
