import { describe, expect, it } from 'vitest';
import { session } from '../testing/fakeBackend.ts';
import { countByFilter, filterSessions, statusFilterOf } from './filterSessions.ts';
import { DEFAULT_LIST_QUERY } from './sessionListQuery.ts';

// Newest first, as the store orders them.
const list = [
  session({ id: 'web', name: 'web server', command: ['node', 'server.js'], createdAt: '2025-01-01T10:05:00.000Z' }),
  session({ id: 'stop', name: 'Backup', command: ['rsync', '-a', '/data', '/backup'], status: 'stopping' }),
  session({ id: 'ok', name: 'build', command: ['make'], status: 'exited', exitCode: 0, pid: null }),
  session({ id: 'bad', name: 'build', command: ['make', 'test'], status: 'exited', exitCode: 2, pid: null }),
  session({ id: 'nope', name: 'typo', command: ['mkae'], status: 'failed', pid: null, error: 'spawn mkae ENOENT' }),
  session({ id: 'gone', name: 'worker 10', command: ['sleep', '600'], status: 'lost', pid: null }),
  session({ id: 'w2', name: 'worker 2', command: ['sleep', '600'], status: 'lost', pid: null }),
];

const ids = (sessions: { id: string }[]) => sessions.map((item) => item.id);

describe('statusFilterOf', () => {
  it('puts running and stopping under running, exited under ended, and failed and lost apart', () => {
    expect(list.map(statusFilterOf)).toEqual(['running', 'running', 'ended', 'ended', 'failed', 'lost', 'lost']);
  });
});

describe('countByFilter', () => {
  it('counts each filter, the parts adding up to all', () => {
    expect(countByFilter(list)).toEqual({ all: 7, running: 2, ended: 2, failed: 1, lost: 2 });
    expect(countByFilter([])).toEqual({ all: 0, running: 0, ended: 0, failed: 0, lost: 0 });
  });
});

describe('filterSessions', () => {
  it('shows everything, newest first, without a query', () => {
    expect(ids(filterSessions(list, DEFAULT_LIST_QUERY))).toEqual(ids(list));
  });

  it.each([
    ['running', ['web', 'stop']],
    ['ended', ['ok', 'bad']],
    ['failed', ['nope']],
    ['lost', ['gone', 'w2']],
  ] as const)('shows only %s sessions', (status, expected) => {
    expect(ids(filterSessions(list, { ...DEFAULT_LIST_QUERY, status }))).toEqual(expected);
  });

  it('finds text in the name or the command, ignoring case and outer spaces', () => {
    expect(ids(filterSessions(list, { ...DEFAULT_LIST_QUERY, q: ' BACKUP ' }))).toEqual(['stop']);
    expect(ids(filterSessions(list, { ...DEFAULT_LIST_QUERY, q: 'make test' }))).toEqual(['bad']);
    expect(ids(filterSessions(list, { ...DEFAULT_LIST_QUERY, q: 'server' }))).toEqual(['web']);
    expect(filterSessions(list, { ...DEFAULT_LIST_QUERY, q: 'nothing like it' })).toEqual([]);
  });

  it('sorts by name, numbers in order, equal names newest first', () => {
    expect(ids(filterSessions(list, { ...DEFAULT_LIST_QUERY, sort: 'name' }))).toEqual(['stop', 'ok', 'bad', 'nope', 'web', 'w2', 'gone']);
  });

  it('combines status, text and order', () => {
    expect(ids(filterSessions(list, { status: 'lost', q: 'worker', sort: 'name' }))).toEqual(['w2', 'gone']);
  });
});
