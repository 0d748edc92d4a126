import { describe, expect, it } from 'vitest';
import type { OutputSegment } from '@sessionboard/client';
import { createOutputRenderer } from './createOutputRenderer.ts';
import type { OutputItem, OutputTextItem } from './createOutputRenderer.ts';

type TextSegment = OutputSegment & { kind: 'output' };

function text(stream: 'stdout' | 'stderr', start: number, body: string): TextSegment {
  return { kind: 'output', stream, text: body, start, end: start + new TextEncoder().encode(body).length };
}

/** Each part as `class:text`, for short expectations. */
function parts(item: OutputItem | undefined): string[] {
  expect(item?.kind).toBe('output');
  return (item as OutputTextItem).parts.map((part) => `${part.style?.className ?? ''}:${part.text}`);
}

describe('createOutputRenderer', () => {
  it('parses each segment into styled parts and plain text', () => {
    const [item] = createOutputRenderer().render([text('stdout', 0, 'ok \x1b[32mgreen\x1b[0m done\n')]);
    expect(parts(item)).toEqual([':ok ', 'ansi-fg ansi-green-fg:green', ': done\n']);
    expect(item).toMatchObject({ kind: 'output', key: 'o0', stream: 'stdout', start: 0, text: 'ok green done\n' });
  });

  it('carries a stream’s colour into its next segment, across the other stream’s', () => {
    const items = createOutputRenderer().render([
      text('stdout', 0, '\x1b[31mred starts'),
      text('stderr', 14, 'an error\n'),
      text('stdout', 23, ' red goes on\x1b[0m\n'),
    ]);
    expect(parts(items[1])).toEqual([':an error\n']);
    expect(parts(items[2])).toEqual(['ansi-fg ansi-red-fg: red goes on', ':\n']);
  });

  it('reads an escape sequence split between two segments of a stream', () => {
    const items = createOutputRenderer().render([text('stdout', 0, 'a\x1b[3'), text('stderr', 5, 'b'), text('stdout', 6, '4mblue')]);
    expect(parts(items[0])).toEqual([':a']);
    expect(parts(items[2])).toEqual(['ansi-fg ansi-blue-fg:blue']);
  });

  it('gives back the same item for an unchanged segment, and parses only what a grown one gained', () => {
    const renderer = createOutputRenderer();
    const first = text('stdout', 0, 'old\n');
    const growing = text('stderr', 4, '\x1b[33mwarn');
    const before = renderer.render([first, growing]);
    const grown: TextSegment = { ...growing, text: `${growing.text}ing\x1b[0m\n`, end: growing.end + 8 };
    const after = renderer.render([first, grown]);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect(parts(after[1])).toEqual(['ansi-fg ansi-yellow-fg:warning', ':\n']);
    expect((after[1] as OutputTextItem).text).toBe('warning\n');
  });

  it('marks dropped output, and starts both streams plain after it', () => {
    const items = createOutputRenderer().render([
      { kind: 'truncated', from: 100, by: 'server' },
      text('stdout', 100, '\x1b[35mmagenta'),
      { kind: 'truncated', from: 500, by: 'server' },
      text('stdout', 500, 'after the gap'),
    ]);
    expect(items[0]).toEqual({ kind: 'truncated', key: 'tserver100l', from: 100, by: 'server', leading: true });
    expect(items[2]).toMatchObject({ kind: 'truncated', from: 500, leading: false });
    expect(parts(items[3])).toEqual([':after the gap']);
  });

  it('forgets segments that are gone and keeps the rest as they were', () => {
    const renderer = createOutputRenderer();
    const kept = text('stdout', 10, 'kept');
    const before = renderer.render([text('stdout', 0, 'dropped\n'), kept]);
    const after = renderer.render([{ kind: 'truncated', from: 10, by: 'client' }, kept]);
    expect(after.map((item) => item.key)).toEqual(['tclient10l', 'o10']);
    expect(after[1]).toBe(before[1]);
  });
});
