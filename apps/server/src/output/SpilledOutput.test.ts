import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputBuffer } from './OutputBuffer.ts';
import type { OutputStreamName } from './SegmentIndex.ts';
import { SpilledOutput } from './SpilledOutput.ts';
import { incompleteTailLength } from './utf8Boundary.ts';

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
