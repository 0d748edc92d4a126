import { describe, expect, it } from 'vitest';
import { DEFAULT_LIST_QUERY, formatListQuery, parseListQuery } from './sessionListQuery.ts';

describe('parseListQuery', () => {
  it('reads status, text and order', () => {
    expect(parseListQuery({ status: 'running', q: 'foo', sort: 'name' })).toEqual({ status: 'running', q: 'foo', sort: 'name' });
  });

  it('falls back to the defaults for missing, unknown or non-text values', () => {
    expect(parseListQuery({})).toEqual(DEFAULT_LIST_QUERY);
    expect(parseListQuery({ status: 'zombie', sort: 'pid', q: null })).toEqual(DEFAULT_LIST_QUERY);
  });

  it('takes the first of repeated values', () => {
    expect(parseListQuery({ status: ['failed', 'lost'], q: ['a', 'b'] })).toEqual({ ...DEFAULT_LIST_QUERY, status: 'failed', q: 'a' });
  });
});

describe('formatListQuery', () => {
  it('leaves out the defaults', () => {
    expect(formatListQuery(DEFAULT_LIST_QUERY)).toEqual({});
    expect(formatListQuery({ status: 'lost', q: '', sort: 'started' })).toEqual({ status: 'lost' });
  });

  it('is read back as the same query', () => {
    const query = { status: 'ended', q: 'make test', sort: 'name' } as const;
    expect(parseListQuery(formatListQuery(query))).toEqual(query);
  });
});
