import { describe, expect, it } from 'vitest';
import { createOutputBlocks } from './createOutputBlocks.ts';
import type { OutputItem } from './createOutputRenderer.ts';

function text(key: string, body: string, stream: 'stdout' | 'stderr' = 'stdout'): OutputItem {
  return { kind: 'output', key, stream, start: 0, end: body.length, parts: [], text: body };
}

const keys = (blocks: ReturnType<ReturnType<typeof createOutputBlocks>['group']>) => blocks.map((block) => block.items.map((item) => item.key));

describe('createOutputBlocks', () => {
  it('starts a block after each item that ends a line, and keeps a line cut between items in one', () => {
    const items = [text('a', 'one\n'), text('b', 'two, then'), text('c', ' the rest\n', 'stderr'), text('d', 'last')];
    expect(keys(createOutputBlocks().group(items))).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('puts each truncation mark in a block of its own', () => {
    const mark: OutputItem = { kind: 'truncated', key: 't', from: 9, by: 'server', leading: false };
    expect(keys(createOutputBlocks().group([text('a', 'half a line'), mark, text('b', 'x\n')]))).toEqual([['a'], ['t'], ['b']]);
  });

  it('gives back the same block while its items are the same, and a new one when its last item grew', () => {
    const blocks = createOutputBlocks();
    const a = text('a', 'done\n');
    const b = text('b', 'grow');
    const [firstA, firstB] = blocks.group([a, b]);
    const grown = text('b', 'growing\n');
    const [secondA, secondB] = blocks.group([a, grown]);
    expect(secondA).toBe(firstA);
    expect(secondB).not.toBe(firstB);
    expect(secondB!.items).toEqual([grown]);
  });
});
