import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incompleteTailLength, isUtf8Boundary, nextUtf8Boundary, previousUtf8Boundary } from './utf8Boundary.ts';

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const decode = (bytes: Uint8Array) => decoder.decode(bytes);

/** Bytes rich in UTF-8 structure: valid characters of every length, and broken pieces of them. */
const utf8ish = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 4 }).map((text) => [...Buffer.from(text)]),
      fc.array(fc.integer({ min: 0x80, max: 0xff }), { maxLength: 3 }),
      fc.constantFrom([0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xe0, 0x80], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf], [0xc0, 0xaf]),
    ),
    { maxLength: 40 },
  )
  .map((parts) => Uint8Array.from(parts.flat()));

describe('incompleteTailLength', () => {
  it.each([
    ['ASCII', [0x61], 0],
    ['a whole euro sign', [0xe2, 0x82, 0xac], 0],
    ['the first byte of a euro sign', [0x61, 0xe2], 1],
    ['two bytes of a euro sign', [0xe2, 0x82], 2],
    ['three bytes of an emoji', [0xf0, 0x9f, 0x98], 3],
    ['a whole emoji', [0xf0, 0x9f, 0x98, 0x80], 0],
    ['stray continuation bytes', [0x80, 0x80, 0x80], 0],
    ['a byte that starts nothing', [0xff], 0],
    ['nothing', [], 0],
  ])('holds back %s: %j → %i', (_case, bytes, held) => {
    expect(incompleteTailLength(Uint8Array.from(bytes))).toBe(held);
  });

  it('cuts any arrival of bytes into pieces that decode alone to the text of the whole', () => {
    fc.assert(
      fc.property(utf8ish, fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        let held = new Uint8Array(0);
        let text = '';
        let start = 0;
        for (const end of [...points, bytes.length]) {
          const arrived = Buffer.concat([held, bytes.subarray(start, end)]);
          const keep = arrived.length - incompleteTailLength(arrived);
          expect(arrived.length - keep).toBeLessThanOrEqual(3);
          text += decode(arrived.subarray(0, keep));
          held = arrived.subarray(keep);
          start = end;
        }
        text += decode(held);
        expect(text).toBe(decode(bytes));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('isUtf8Boundary', () => {
  it('says decoding may start where the bytes before and after decode to the text of the whole', () => {
    fc.assert(
      fc.property(utf8ish, (bytes) => {
        const byteAt = (offset: number) => bytes[offset] as number;
        for (let at = 0; at <= bytes.length; at++) {
          if (!isUtf8Boundary(byteAt, 0, bytes.length, at)) continue;
          expect(decode(bytes.subarray(0, at)) + decode(bytes.subarray(at))).toBe(decode(bytes));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('finds a boundary within 3 bytes either way', () => {
    fc.assert(
      fc.property(utf8ish, fc.nat(), (bytes, seed) => {
        const at = seed % (bytes.length + 1);
        const byteAt = (offset: number) => bytes[offset] as number;
        expect(nextUtf8Boundary(byteAt, 0, bytes.length, at) - at).toBeLessThanOrEqual(3);
        expect(at - previousUtf8Boundary(byteAt, 0, bytes.length, at)).toBeLessThanOrEqual(3);
      }),
      { numRuns: 2000 },
    );
  });

  it('is false inside a character and true before and after it', () => {
    const euro = Uint8Array.from([0x61, 0xe2, 0x82, 0xac, 0x62]);
    const byteAt = (offset: number) => euro[offset] as number;

    const answers = [0, 1, 2, 3, 4, 5].map((at) => isUtf8Boundary(byteAt, 0, euro.length, at));

    expect(answers).toEqual([true, true, false, false, true, true]);
  });

  it('never looks below lo: continuation bytes at a piece start are stray', () => {
    const bytes = Uint8Array.from([0xe2, 0x82, 0x82]);
    const read: number[] = [];
    const byteAt = (offset: number) => {
      read.push(offset);
      return bytes[offset] as number;
    };

    expect(isUtf8Boundary(byteAt, 2, 3, 2)).toBe(true);
    expect(isUtf8Boundary(byteAt, 1, 3, 2)).toBe(true);
    expect(read.every((offset) => offset >= 1)).toBe(true);
  });
});
