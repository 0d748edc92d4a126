import { describe, expect, it } from 'vitest';
import type { OutputChunk } from '@sessionboard/protocol';
import { session } from '../test/fakes.ts';
import { OUTPUT_SEGMENT_BYTES, createOutputState, reduceOutputState } from './OutputState.ts';
import type { OutputLimits, OutputMessage, OutputState } from './OutputState.ts';

const out = (text: string, offset: number, stream: OutputChunk['stream'] = 'stdout'): OutputMessage => ({
  type: 'output',
  chunk: { stream, text, offset },
  at: offset,
});

function reduceAll(messages: OutputMessage[], limits?: OutputLimits, state: OutputState = createOutputState('s1')): OutputState {
  return messages.reduce((current, message) => reduceOutputState(current, message, limits), state);
}

describe('output', () => {
  it('appends chunks, moves the cursor to each chunk’s offset and counts the bytes', () => {
    const state = reduceAll([out('héllo\n', 7), out('oops\n', 12, 'stderr')]);
    expect(state.segments).toEqual([
      { kind: 'output', stream: 'stdout', text: 'héllo\n', start: 0, end: 7 },
      { kind: 'output', stream: 'stderr', text: 'oops\n', start: 7, end: 12 },
    ]);
    expect([state.offset, state.keptBytes, state.lastUpdateAt]).toEqual([12, 12, 12]);
  });

  it('merges contiguous chunks of one stream into one segment up to the segment size', () => {
    const big = 'x'.repeat(OUTPUT_SEGMENT_BYTES - 4);
    const state = reduceAll([out('ab', 2), out('cd', 4), out(big, OUTPUT_SEGMENT_BYTES), out('e', OUTPUT_SEGMENT_BYTES + 1)]);
    expect(state.segments.map((segment) => (segment.kind === 'output' ? [segment.start, segment.end, segment.text.length] : []))).toEqual([
      [0, OUTPUT_SEGMENT_BYTES, OUTPUT_SEGMENT_BYTES],
      [OUTPUT_SEGMENT_BYTES, OUTPUT_SEGMENT_BYTES + 1, 1],
    ]);
  });

  it('returns the same state for a chunk that ends at or before the cursor', () => {
    const state = reduceAll([out('abc', 3), out('def', 6)]);
    expect(reduceOutputState(state, out('def', 6))).toBe(state);
    expect(reduceOutputState(state, out('abc', 3))).toBe(state);
  });
});

describe('gaps', () => {
  it('marks output the server dropped and goes on from there', () => {
    const state = reduceAll([out('abc', 3), { type: 'truncated', from: 500, at: 9 }, out('xyz', 503)]);
    expect(state.segments).toEqual([
      { kind: 'output', stream: 'stdout', text: 'abc', start: 0, end: 3 },
      { kind: 'truncated', from: 500, by: 'server' },
      { kind: 'output', stream: 'stdout', text: 'xyz', start: 500, end: 503 },
    ]);
    expect([state.offset, state.keptBytes]).toEqual([503, 6]);
  });

  it('ignores a truncation at or before the cursor, and makes two in a row one', () => {
    const state = reduceAll([out('abc', 3), { type: 'truncated', from: 3, at: 4 }]);
    expect(state.segments).toHaveLength(1);
    const twice = reduceAll([{ type: 'truncated', from: 10, at: 1 }, { type: 'truncated', from: 20, at: 2 }]);
    expect(twice.segments).toEqual([{ kind: 'truncated', from: 20, by: 'server' }]);
    expect(twice.offset).toBe(20);
  });
});

describe('polls', () => {
  it('applies an answer after the cursor, skipping chunks it already holds', () => {
    const state = reduceAll([
      out('abc', 3),
      {
        type: 'poll',
        response: { chunks: [{ stream: 'stdout', text: 'abc', offset: 3 }, { stream: 'stderr', text: 'de', offset: 5 }], offset: 5, from: 0, ended: false },
        at: 10,
      },
    ]);
    expect(state.segments.map((segment) => (segment.kind === 'output' ? segment.text : '|'))).toEqual(['abc', 'de']);
    expect([state.offset, state.state, state.lastUpdateAt]).toEqual([5, 'connecting', 10]);
  });

  it('marks a gap when the answer starts past the cursor, and ends on ended', () => {
    const state = reduceAll([
      out('abc', 3),
      { type: 'poll', response: { chunks: [{ stream: 'stdout', text: 'z', offset: 901 }], offset: 901, from: 900, ended: true }, at: 10 },
    ]);
    expect(state.segments.slice(1)).toEqual([
      { kind: 'truncated', from: 900, by: 'server' },
      { kind: 'output', stream: 'stdout', text: 'z', start: 900, end: 901 },
    ]);
    expect([state.offset, state.state, state.session]).toEqual([901, 'ended', null]);
  });

  it('returns the same state for an empty answer at the cursor', () => {
    const state = reduceAll([out('abc', 3)]);
    expect(reduceOutputState(state, { type: 'poll', response: { chunks: [], offset: 3, from: 0, ended: false }, at: 20 })).toBe(state);
  });
});

describe('end', () => {
  it('keeps the final session and ends', () => {
    const final = session({ status: 'exited', exitCode: 1, pid: null });
    const state = reduceAll([out('abc', 3), { type: 'status', state: 'live', error: null }, { type: 'end', session: final, offset: 3, at: 9 }]);
    expect([state.state, state.session, state.offset, state.error]).toEqual(['ended', final, 3, null]);
    expect(state.segments).toHaveLength(1);
  });
});

describe('status', () => {
  it('sets and clears authRequired, and returns the same state for the same status', () => {
    const signedOut = reduceAll([{ type: 'status', state: 'offline', error: 'Sign in first.', authRequired: true }]);
    expect(signedOut).toMatchObject({ state: 'offline', error: 'Sign in first.', authRequired: true });
    expect(reduceOutputState(signedOut, { type: 'status', state: 'offline', error: 'Sign in first.', authRequired: true })).toBe(signedOut);
    const again = reduceOutputState(signedOut, { type: 'status', state: 'connecting', error: null });
    expect('authRequired' in again).toBe(false);
  });
});

describe('bounds', () => {
  it('drops the oldest output beyond maxTextBytes and marks where what it keeps begins', () => {
    const limits = { maxTextBytes: 10, maxSegments: 100 };
    const state = reduceAll([out('aaaa', 4), out('bbbb', 8, 'stderr'), out('cccc', 12), out('dddd', 16, 'stderr')], limits);
    expect(state.segments).toEqual([
      { kind: 'truncated', from: 8, by: 'client' },
      { kind: 'output', stream: 'stdout', text: 'cccc', start: 8, end: 12 },
      { kind: 'output', stream: 'stderr', text: 'dddd', start: 12, end: 16 },
    ]);
    expect([state.keptBytes, state.offset]).toEqual([8, 16]);
  });

  it('keeps the newest segment even when it alone is over the bound', () => {
    const state = reduceAll([out('aa', 2, 'stderr'), out('b'.repeat(50), 52)], { maxTextBytes: 10, maxSegments: 100 });
    expect(state.segments).toEqual([
      { kind: 'truncated', from: 2, by: 'client' },
      { kind: 'output', stream: 'stdout', text: 'b'.repeat(50), start: 2, end: 52 },
    ]);
    expect(state.keptBytes).toBe(50);
  });

  it('keeps at most maxSegments, its mark included, and replaces leading marks with its own', () => {
    const limits = { maxTextBytes: 1000, maxSegments: 4 };
    const messages: OutputMessage[] = [{ type: 'truncated', from: 100, at: 0 }];
    for (let i = 1; i <= 6; i += 1) messages.push(out(String(i), 100 + i, i % 2 === 0 ? 'stdout' : 'stderr'));
    const state = reduceAll(messages, limits);
    expect(state.segments).toEqual([
      { kind: 'truncated', from: 103, by: 'client' },
      { kind: 'output', stream: 'stdout', text: '4', start: 103, end: 104 },
      { kind: 'output', stream: 'stderr', text: '5', start: 104, end: 105 },
      { kind: 'output', stream: 'stdout', text: '6', start: 105, end: 106 },
    ]);
    expect(state.keptBytes).toBe(3);
  });
});
