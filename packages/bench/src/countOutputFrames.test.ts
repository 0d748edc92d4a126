import { describe, expect, it } from 'vitest';
import { countOutputFrames, type OutputCounts } from './countOutputFrames.ts';

const STREAM = [
  'retry: 2000\n\n',
  'event: truncated\ndata: {"type":"truncated","from":1000}\n\n',
  'id: 1500\nevent: output\ndata: {"stream":"stdout","text":"id: 7 \\"from\\":3}","offset":1500}\n\n',
  'id: 1600\nevent: output\ndata: {"stream":"stderr","text":"x","offset":1600}\n\n',
  'event: ping\ndata: {"type":"ping","at":1}\n\n',
  'event: end\ndata: {"type":"end","session":{},"offset":1600}\n\n',
].join('');

function count(chunks: readonly string[]): OutputCounts {
  const counts: OutputCounts = { events: 0, bytes: 0, truncated: 0, ends: 0 };
  const feed = countOutputFrames(counts);
  for (const chunk of chunks) feed(Buffer.from(chunk));
  return counts;
}

describe('countOutputFrames', () => {
  it('counts output events, the bytes their offsets advance, truncated and end', () => {
    expect(count([STREAM])).toEqual({ events: 2, bytes: 600, truncated: 1, ends: 1 });
  });

  it('counts the same however the stream is cut into chunks', () => {
    for (let size = 1; size <= 40; size++) {
      const chunks: string[] = [];
      for (let at = 0; at < STREAM.length; at += size) chunks.push(STREAM.slice(at, at + size));

      expect(count(chunks), `chunks of ${size}`).toEqual({ events: 2, bytes: 600, truncated: 1, ends: 1 });
    }
  });
});
