import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputBuffer } from './OutputBuffer.ts';
import { appendRawRead } from './readRawWindow.ts';
import type { OutputStreamName } from './SegmentIndex.ts';
import { SpilledOutput } from './SpilledOutput.ts';
import { incompleteTailLength } from './utf8Boundary.ts';

let dir: string;
let files = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sessionboard-raw-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const piece = fc.record({
  stream: fc.constantFrom<OutputStreamName>('stdout', 'stderr'),
  bytes: fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }).map((text) => Buffer.from(text)), fc.uint8Array({ maxLength: 12 })),
});

/** Appends as the capture does: each piece ends on a character boundary. */
function appendWhole(buffer: OutputBuffer, stream: OutputStreamName, bytes: Uint8Array): void {
  buffer.append(stream, bytes.subarray(0, bytes.length - incompleteTailLength(bytes)));
}

describe('readRawWindow', () => {
  it('reads the newest bytes up to the end, with the runs that wrote them', () => {
    const buffer = new OutputBuffer({ capacity: 1024 });
    buffer.append('stdout', Buffer.from('hello\n'));
    buffer.append('stderr', Buffer.from('oops\n'));
    buffer.append('stdout', Buffer.from('bye\n'));

    const all = buffer.readRaw(0, 1024);
    const newest = buffer.readRaw(0, 6);
    const after = buffer.readRaw(8, 1024);

    expect(all).toMatchObject({ from: 0, start: 0, stop: 15, runs: [{ stream: 'stdout', length: 6 }, { stream: 'stderr', length: 5 }, { stream: 'stdout', length: 4 }] });
    expect(all.bytes.toString()).toBe('hello\noops\nbye\n');
    expect(newest).toMatchObject({ start: 9, stop: 15, runs: [{ stream: 'stderr', length: 2 }, { stream: 'stdout', length: 4 }] });
    expect(after).toMatchObject({ start: 8, stop: 15, runs: [{ stream: 'stderr', length: 3 }, { stream: 'stdout', length: 4 }] });
    expect(buffer.readRaw(15, 1024)).toMatchObject({ start: 15, stop: 15, runs: [] });
  });

  it('starts on a character boundary when the newest bytes begin inside a character', () => {
    const buffer = new OutputBuffer({ capacity: 1024 });
    buffer.append('stdout', Buffer.from('a€b'));

    const read = buffer.readRaw(0, 3);

    expect(read).toMatchObject({ start: 4, stop: 5, runs: [{ stream: 'stdout', length: 1 }] });
    expect(read.bytes.toString()).toBe('b');
  });

  it('reads from a file exactly what it reads from memory', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 20 }), fc.integer({ min: 16, max: 64 }), fc.nat(), fc.integer({ min: 4, max: 80 }), async (pieces, capacity, after, maxBytes) => {
        const buffer = new OutputBuffer({ capacity });
        for (const { stream, bytes } of pieces) appendWhole(buffer, stream, bytes);
        const expected = buffer.readRaw(after % (buffer.end + 1), maxBytes);
        const spilled = await SpilledOutput.write(join(dir, `${++files}.out`), buffer);
        try {
          expect(await spilled.readRaw(after % (buffer.end + 1), maxBytes)).toEqual(expected);
        } finally {
          await spilled.remove();
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('appendRawRead', () => {
  it('builds a copy that reads the same chunks at the same offsets, whatever the pieces it was carried in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(piece, fc.boolean(), fc.integer({ min: 4, max: 200 })), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 16, max: 96 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 4, max: 64 })), { minLength: 1, maxLength: 6 }),
        (steps, capacity, reads) => {
          const original = new OutputBuffer({ capacity });
          const copy = new OutputBuffer({ capacity });
          let carried = 0;
          const carry = (budget: number) => {
            const raw = original.readRaw(carried, budget);
            appendRawRead(copy, raw);
            carried = raw.stop;
          };
          // The copy is carried now and then, sometimes with less than was written (a gap).
          for (const [{ stream, bytes }, carryNow, budget] of steps) {
            appendWhole(original, stream, bytes);
            if (carryNow) carry(budget);
          }
          carry(capacity);

          expect(copy.end).toBe(original.end);
          const from = Math.max(copy.from, original.from);
          for (const [after, maxBytes] of reads) {
            const at = from + (after % (original.end - from + 1));
            expect(copy.read(at, maxBytes).chunks).toEqual(original.read(at, maxBytes).chunks);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves out what the copy has already and skips over what it never got', () => {
    const copy = new OutputBuffer({ capacity: 64 });
    const piece = (start: number, text: string) => ({ start, runs: [{ stream: 'stdout' as const, length: text.length }], bytes: Buffer.from(text) });

    expect(appendRawRead(copy, piece(0, 'abcd'))).toBe(true);
    expect(appendRawRead(copy, piece(2, 'cdef'))).toBe(true);
    expect(appendRawRead(copy, piece(0, 'abc'))).toBe(false);
    expect(copy.read(0, 64).chunks).toEqual([{ stream: 'stdout', text: 'abcdef', offset: 6 }]);

    expect(appendRawRead(copy, piece(10, 'kl'))).toBe(true);

    expect(copy.read(0, 64)).toEqual({ from: 10, offset: 12, chunks: [{ stream: 'stdout', text: 'kl', offset: 12 }] });
  });
});
