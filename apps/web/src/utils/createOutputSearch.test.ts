import { describe, expect, it } from 'vitest';
import type { OutputItem, OutputTextItem } from './createOutputRenderer.ts';
import { MAX_OUTPUT_MATCHES, createOutputSearch } from './createOutputSearch.ts';

function item(key: string, text: string): OutputTextItem {
  return { kind: 'output', key, stream: 'stdout', start: 0, end: text.length, parts: [{ text, style: null }], text };
}

describe('createOutputSearch', () => {
  it('finds every match in output order, ignoring case, and indexes them by item', () => {
    const items: OutputItem[] = [item('a', 'Error: one\nerror two'), { kind: 'truncated', key: 't', from: 5, by: 'server', leading: false }, item('b', 'no ERROR')];
    const result = createOutputSearch().search(items, 'error');
    expect(result.matches).toEqual([
      { key: 'a', start: 0, end: 5 },
      { key: 'a', start: 11, end: 16 },
      { key: 'b', start: 3, end: 8 },
    ]);
    expect(result.byKey.get('b')).toEqual({ first: 2, ranges: [[3, 8]] });
    expect(result.capped).toBe(false);
  });

  it('takes the query literally, special characters and all', () => {
    expect(createOutputSearch().search([item('a', 'a.b a+b (x) [y]')], '(x)').matches).toEqual([{ key: 'a', start: 8, end: 11 }]);
    expect(createOutputSearch().search([item('a', 'axb a.b')], 'a.b').matches).toEqual([{ key: 'a', start: 4, end: 7 }]);
    expect(createOutputSearch().search([item('a', 'a\\b')], '\\').matches).toHaveLength(1);
  });

  it('finds nothing for an empty query', () => {
    expect(createOutputSearch().search([item('a', 'text')], '').matches).toEqual([]);
  });

  it('stops at the cap and says so', () => {
    const result = createOutputSearch().search([item('a', 'x'.repeat(MAX_OUTPUT_MATCHES - 1)), item('b', 'xx'), item('c', 'x')], 'x');
    expect(result.matches).toHaveLength(MAX_OUTPUT_MATCHES);
    expect(result.byKey.get('b')?.ranges).toEqual([[0, 1]]);
    expect(result.byKey.has('c')).toBe(false);
    expect(result.capped).toBe(true);
  });

  it('does not search an unchanged item again for the same query', () => {
    const search = createOutputSearch();
    const old = item('a', 'needle');
    search.search([old], 'needle');
    const text = Object.getOwnPropertyDescriptor(old, 'text')!;
    let reads = 0;
    Object.defineProperty(old, 'text', { get: () => (reads++, text.value as string) });
    expect(search.search([old, item('b', 'needle')], 'needle').matches).toHaveLength(2);
    expect(reads).toBe(0);
  });

  it('gives an item whose matches are unchanged the same object as last time', () => {
    const search = createOutputSearch();
    const old = item('a', 'needle');
    const before = search.search([old, item('b', 'needle')], 'needle').byKey;
    const after = search.search([old, item('b', 'needle needle')], 'needle').byKey;
    expect(after.get('a')).toBe(before.get('a'));
    expect(after.get('b')).not.toBe(before.get('b'));
    expect(after.get('b')).toEqual({ first: 1, ranges: [[0, 6], [7, 13]] });
  });
});
