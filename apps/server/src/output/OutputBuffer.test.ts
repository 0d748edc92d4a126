import type { OutputChunk } from '@sessionboard/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutputBuffer } from './OutputBuffer.ts';
import { RecentReads } from './RecentReads.ts';
import type { OutputStreamName } from './SegmentIndex.ts';
import { incompleteTailLength } from './utf8Boundary.ts';

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const bytesOf = (text: string) => Buffer.from(text);

/** Reads everything kept, `step` bytes at a time. */
function readAll(buffer: OutputBuffer, step: number, after = 0): OutputChunk[] {
  const chunks: OutputChunk[] = [];
  let offset = after;
  for (;;) {
    const read = buffer.read(offset, step);
    if (read.chunks.length === 0) return chunks;
    chunks.push(...read.chunks);
    offset = read.offset;
  }
}

/** Joins adjacent chunks of one stream, as a reader showing them would. */
function runs(chunks: readonly OutputChunk[]): [OutputStreamName, string][] {
  const joined: [OutputStreamName, string][] = [];
  for (const chunk of chunks) {
    const last = joined.at(-1);
    if (last && last[0] === chunk.stream) last[1] += chunk.text;
    else joined.push([chunk.stream, chunk.text]);
  }
  return joined;
}

describe('offsets', () => {
  it('counts every byte appended, and marks each chunk with the offset after it', () => {
    const buffer = new OutputBuffer({ capacity: 1024 });

    buffer.append('stdout', bytesOf('hello\n'));
    buffer.append('stderr', bytesOf('oops €\n'));
    buffer.append('stdout', bytesOf('bye\n'));

    expect(buffer.from).toBe(0);
    expect(buffer.end).toBe(6 + 9 + 4);
    expect(buffer.read(0, 1024)).toEqual({
      from: 0,
      offset: 19,
      chunks: [
        { stream: 'stdout', text: 'hello\n', offset: 6 },
        { stream: 'stderr', text: 'oops €\n', offset: 15 },
        { stream: 'stdout', text: 'bye\n', offset: 19 },
      ],
    });
  });

  it('joins appends of one stream into one chunk', () => {
    const buffer = new OutputBuffer({ capacity: 1024 });

    buffer.append('stdout', bytesOf('a'));
    buffer.append('stdout', bytesOf('b'));

    expect(buffer.read(0, 100).chunks).toEqual([{ stream: 'stdout', text: 'ab', offset: 2 }]);
  });

  it('reads exactly the output after a given offset', () => {
    const buffer = new OutputBuffer({ capacity: 1024 });
    buffer.append('stdout', bytesOf('hello\n'));
    buffer.append('stderr', bytesOf('oops\n'));

    expect(buffer.read(3, 100).chunks).toEqual([
      { stream: 'stdout', text: 'lo\n', offset: 6 },
      { stream: 'stderr', text: 'oops\n', offset: 11 },
    ]);
    expect(buffer.read(6, 100).chunks).toEqual([{ stream: 'stderr', text: 'oops\n', offset: 11 }]);
    expect(buffer.read(11, 100)).toEqual({ from: 0, chunks: [], offset: 11 });
  });

  it('stops a read at maxBytes, on a character boundary', () => {
    const buffer = new OutputBuffer({ capacity: 1024 });
    buffer.append('stdout', bytesOf('ab€cd'));

    const first = buffer.read(0, 3);
    const second = buffer.read(first.offset, 3);

    expect(first).toEqual({ from: 0, chunks: [{ stream: 'stdout', text: 'ab', offset: 2 }], offset: 2 });
    expect(second.chunks).toEqual([{ stream: 'stdout', text: '€', offset: 5 }]);
  });

  it('stops reads at multiples of maxBytes, so that readers at different offsets cut the same pieces', () => {
    const buffer = new OutputBuffer({ capacity: 1024 });
    buffer.append('stdout', bytesOf('x'.repeat(100)));

    const offsets = [3, 17, 40].map((after) => {
      const first = buffer.read(after, 32);
      return [first.offset, buffer.read(first.offset, 32).offset];
    });

    expect(offsets).toEqual([
      [32, 64],
      [32, 64],
      [64, 96],
    ]);
  });

  it('hands out what a memo keeps for the same range instead of decoding again', () => {
    const buffer = new OutputBuffer({ capacity: 1024 });
    buffer.append('stdout', bytesOf('hello\n'));
    const memo = new RecentReads();

    const first = buffer.read(0, 100, memo);
    const second = buffer.read(0, 100, memo);
    const other = buffer.read(1, 100, memo);

    expect(second.chunks).toBe(first.chunks);
    expect(other.chunks).not.toBe(first.chunks);
    expect(other.chunks).toEqual([{ stream: 'stdout', text: 'ello\n', offset: 6 }]);
  });

  it('starts a read from inside a character at the next character', () => {
    const buffer = new OutputBuffer({ capacity: 1024 });
    buffer.append('stdout', bytesOf('€x'));

    expect(buffer.read(1, 100).chunks).toEqual([{ stream: 'stdout', text: 'x', offset: 4 }]);
  });
});

describe('the kept window', () => {
  it('keeps the last capacity bytes and says from where', () => {
    const buffer = new OutputBuffer({ capacity: 16 });

    buffer.append('stdout', bytesOf('0123456789'));
    buffer.append('stderr', bytesOf('abcdefghij'));

    expect(buffer.from).toBe(4);
    expect(buffer.size).toBe(16);
    expect(buffer.read(0, 100)).toEqual({
      from: 4,
      offset: 20,
      chunks: [
        { stream: 'stdout', text: '456789', offset: 10 },
        { stream: 'stderr', text: 'abcdefghij', offset: 20 },
      ],
    });
  });

  it('keeps only the newest part of one append larger than the window', () => {
    const buffer = new OutputBuffer({ capacity: 16 });
    buffer.append('stderr', bytesOf('old'));

    buffer.append('stdout', bytesOf('x'.repeat(30) + 'the newest bytes'));

    expect(buffer.from).toBe(33);
    expect(buffer.read(0, 100).chunks).toEqual([{ stream: 'stdout', text: 'the newest bytes', offset: 49 }]);
  });

  it('drops whole characters only', () => {
    const buffer = new OutputBuffer({ capacity: 16 });
    buffer.append('stdout', bytesOf('€€€€€'));

    buffer.append('stdout', bytesOf('abc'));

    // 18 bytes; keeping 16 would start inside the first euro sign still kept.
    expect(buffer.from).toBe(3);
    expect(buffer.read(0, 100).chunks).toEqual([{ stream: 'stdout', text: '€€€€abc', offset: 18 }]);
  });

  it('grows its memory with the output, up to the capacity', () => {
    const buffer = new OutputBuffer({ capacity: 1 << 20 });
    buffer.append('stdout', bytesOf('small'));
    const small = buffer.byteLength;

    for (let i = 0; i < 40; i++) buffer.append('stdout', Buffer.alloc(64 * 1024, 0x79));

    expect(small).toBeLessThanOrEqual(8 * 1024);
    expect(buffer.size).toBe(1 << 20);
    expect(buffer.byteLength).toBeLessThan((1 << 20) + 64 * 1024);
  });

  it('drops the oldest run when a process switches streams more often than maxSegments allows', () => {
    const buffer = new OutputBuffer({ capacity: 1024, maxSegments: 4 });

    for (const [stream, text] of [['stdout', 'a'], ['stderr', 'b'], ['stdout', 'c'], ['stderr', 'd'], ['stdout', 'e']] as const) {
      buffer.append(stream, bytesOf(text));
    }

    expect(buffer.from).toBe(1);
    expect(buffer.read(0, 100).chunks.map((chunk) => chunk.text)).toEqual(['b', 'c', 'd', 'e']);
  });

  it('frees unused room when compacted', () => {
    const buffer = new OutputBuffer({ capacity: 1 << 20 });
    buffer.append('stdout', bytesOf('done\n'));

    buffer.compact();

    expect(buffer.byteLength).toBeLessThan(64);
    expect(buffer.read(0, 100).chunks).toEqual([{ stream: 'stdout', text: 'done\n', offset: 5 }]);
  });
});

describe('any output', () => {
  /** Appends as a pipe reader does: pieces end on boundaries, the incomplete rest waits. */
  const appends = fc.array(
    fc.record({
      stream: fc.constantFrom<OutputStreamName>('stdout', 'stderr'),
      bytes: fc.oneof(
        fc.string({ unit: 'binary', maxLength: 12 }).map((text) => Buffer.from(text)),
        fc.uint8Array({ maxLength: 12 }),
      ),
    }),
    { maxLength: 30 },
  );

  it('reads back, in any steps, the text of the bytes kept, by stream, within the capacity', () => {
    fc.assert(
      fc.property(appends, fc.integer({ min: 16, max: 64 }), fc.integer({ min: 4, max: 40 }), (pieces, capacity, step) => {
        const buffer = new OutputBuffer({ capacity });
        const written: { stream: OutputStreamName; bytes: Buffer }[] = [];
        for (const { stream, bytes } of pieces) {
          const complete = Buffer.from(bytes.subarray(0, bytes.length - incompleteTailLength(bytes)));
          buffer.append(stream, complete);
          if (complete.length > 0) written.push({ stream, bytes: complete });
        }
        const total = written.reduce((sum, piece) => sum + piece.bytes.length, 0);

        const chunks = readAll(buffer, step);

        expect(buffer.end).toBe(total);
        expect(buffer.size).toBeLessThanOrEqual(capacity);
        expect(buffer.size).toBeGreaterThanOrEqual(Math.min(total, capacity - 3));
        let offset = buffer.from;
        for (const chunk of chunks) {
          expect(chunk.offset).toBeGreaterThan(offset);
          offset = chunk.offset;
        }
        expect(offset).toBe(total);
        // The expected text: the bytes from `from` on, decoded run by run.
        const expected: [OutputStreamName, Buffer][] = [];
        let position = 0;
        for (const piece of written) {
          const keep = piece.bytes.subarray(Math.max(0, buffer.from - position));
          position += piece.bytes.length;
          if (keep.length === 0) continue;
          const last = expected.at(-1);
          if (last && last[0] === piece.stream) last[1] = Buffer.concat([last[1], keep]);
          else expected.push([piece.stream, keep]);
        }
        expect(runs(chunks)).toEqual(expected.map(([stream, bytes]) => [stream, decoder.decode(bytes)]));
      }),
      { numRuns: 1500 },
    );
  });
});
