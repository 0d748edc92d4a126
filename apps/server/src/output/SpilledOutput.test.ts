import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OutputBuffer } from './OutputBuffer.ts';
import type { OutputStreamName } from './SegmentIndex.ts';
import { SpilledOutput } from './SpilledOutput.ts';
import { incompleteTailLength } from './utf8Boundary.ts';

/** Files opened for reading, counted through `open`. */
const opened = vi.hoisted(() => ({ reads: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof fs.open = (path, flags, mode) => {
    if (flags === 'r') opened.reads += 1;
    return fs.open(path, flags, mode);
  };
  return { ...fs, open };
});

let dir: string;
let files = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sessionboard-spill-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function filled(capacity: number, pieces: readonly { stream: OutputStreamName; bytes: Uint8Array }[]): OutputBuffer {
  const buffer = new OutputBuffer({ capacity });
  for (const { stream, bytes } of pieces) buffer.append(stream, bytes.subarray(0, bytes.length - incompleteTailLength(bytes)));
  return buffer;
}

describe('SpilledOutput', () => {
  it('reads the same chunks from its file as the buffer it was written from, at any offset and size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            stream: fc.constantFrom<OutputStreamName>('stdout', 'stderr'),
            bytes: fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }).map((text) => Buffer.from(text)), fc.uint8Array({ maxLength: 12 })),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        fc.integer({ min: 16, max: 64 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 4, max: 40 })), { minLength: 1, maxLength: 5 }),
        async (pieces, capacity, reads) => {
          const buffer = filled(capacity, pieces);
          const expected = reads.map(([after, maxBytes]) => buffer.read(after % (buffer.end + 2), maxBytes));

          const spilled = await SpilledOutput.write(join(dir, `${++files}.out`), buffer);
          const actual = await Promise.all(reads.map(([after, maxBytes]) => spilled.read(after % (buffer.end + 2), maxBytes)));

          expect(actual).toEqual(expected);
          expect(spilled.from).toBe(buffer.from);
          expect(spilled.end).toBe(buffer.end);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads the file once for reads of the same range under way together, and again for a later one', async () => {
    const spilled = await SpilledOutput.write(join(dir, `${++files}.out`), filled(1024, [{ stream: 'stdout', bytes: Buffer.from('hello\n') }]));
    const before = opened.reads;

    const together = await Promise.all([spilled.read(0, 100), spilled.read(0, 100), spilled.read(0, 100)]);
    const between = opened.reads - before;
    const later = await spilled.read(0, 100);

    expect(between).toBe(1);
    expect(opened.reads - before).toBe(2);
    for (const read of [...together, later]) expect(read.chunks).toEqual([{ stream: 'stdout', text: 'hello\n', offset: 6 }]);
  });

  it('keeps the bytes in a file only its owner can read, and removes it', async () => {
    const buffer = filled(1024, [{ stream: 'stdout', bytes: Buffer.from('secret output\n') }]);
    const path = join(dir, 'owner-only.out');

    const spilled = await SpilledOutput.write(path, buffer);
    const mode = (await stat(path)).mode & 0o777;
    await spilled.remove();

    expect(mode).toBe(0o600);
    expect(spilled.size).toBe(14);
    expect(await readdir(dir)).not.toContain('owner-only.out');
  });

  it('refuses to overwrite a file that is there already', async () => {
    const path = join(dir, 'taken.out');
    await SpilledOutput.write(path, filled(1024, [{ stream: 'stdout', bytes: Buffer.from('first') }]));

    const second = SpilledOutput.write(path, filled(1024, [{ stream: 'stdout', bytes: Buffer.from('second') }]));

    await expect(second).rejects.toMatchObject({ code: 'EEXIST' });
    expect((await stat(path)).size).toBe(5);
  });
});
