import type { LoggedEvent } from '@sessionboard/sse-broker';
import { describe, expect, it, vi } from 'vitest';
import { RedisEventLog, type StreamEntry } from './RedisEventLog.ts';

const entry = (n: number): StreamEntry => ({ streamId: `${1000 + n}-0`, event: 'tick', data: String(n) });
const datas = (events: readonly LoggedEvent[] | undefined) => events?.map((event) => event.data);

/** A log of `capacity` loaded with nothing, then fed entries 1..count by the tail. */
function fed(capacity: number, count: number): RedisEventLog {
  const log = new RedisEventLog({ capacity, submit: () => {} });
  log.reset('ep', '0-0', [], false);
  for (let n = 1; n <= count; n++) log.take(entry(n));
  return log;
}

describe('RedisEventLog ids', () => {
  it('names events by epoch and stream id, starting from the empty stream', () => {
    const log = fed(5, 0);
    expect(log.lastId).toBe('ep-0-0');
    const taken = log.take(entry(1));
    expect(taken.id).toBe('ep-1001-0');
    expect(taken.frame.toString()).toBe('id: ep-1001-0\nevent: tick\ndata: 1\n\n');
    expect(log.lastId).toBe('ep-1001-0');
    expect(log.lastStreamId).toBe('1001-0');
  });
});

describe('RedisEventLog appending', () => {
  it('submits an appended event and keeps nothing until the tail brings it back', () => {
    const submit = vi.fn();
    const log = new RedisEventLog({ capacity: 3, submit });
    log.reset('ep', '0-0', [], false);
    expect(log.append('session_created', '{}')).toBeUndefined();
    expect(submit).toHaveBeenCalledWith('session_created', '{}');
    expect(log.size).toBe(0);
    expect(log.lastId).toBe('ep-0-0');
  });

  it('hands each entry the tail brings to its listener, in order', () => {
    const log = fed(3, 0);
    const seen: string[] = [];
    log.listen({ event: (event) => seen.push(event.id), reset: () => seen.push('reset') });
    log.take(entry(1));
    log.take(entry(2));
    expect(seen).toEqual(['ep-1001-0', 'ep-1002-0']);
  });
});

describe('RedisEventLog replay', () => {
  it('replays every entry after a kept id, oldest first, and nothing after the newest', () => {
    const log = fed(5, 4);
    expect(datas(log.after('ep-1001-0'))).toEqual(['2', '3', '4']);
    expect(log.after('ep-1004-0')).toEqual([]);
  });

  it('replays the whole window from the id just before it', () => {
    const log = fed(3, 5);
    expect(log.size).toBe(3);
    expect(datas(log.after('ep-1002-0'))).toEqual(['3', '4', '5']);
    expect(datas(log.after('ep-0-0'))).toBeUndefined();
  });

  it('replays everything from the empty start while nothing has been dropped', () => {
    expect(datas(fed(3, 2).after('ep-0-0'))).toEqual(['1', '2']);
  });

  it('answers undefined for ids that left the window, never existed, or belong to another epoch', () => {
    const log = fed(3, 5);
    for (const id of ['ep-1001-0', 'ep-1003-1', 'ep-1009-0', 'other-1004-0', 'ep-1004', 'e-4', '']) {
      expect(log.after(id), id).toBeUndefined();
    }
  });

  it('keeps the window right after wrapping many times', () => {
    const log = fed(4, 1003);
    expect(log.size).toBe(4);
    expect(datas(log.after('ep-1999-0'))).toEqual(['1000', '1001', '1002', '1003']);
  });

  it('with capacity 0 can only say the client is up to date', () => {
    const log = fed(0, 2);
    expect(log.after('ep-1002-0')).toEqual([]);
    expect(log.after('ep-1001-0')).toBeUndefined();
  });
});

describe('RedisEventLog reset', () => {
  it('starts over from loaded entries, with the entry before the first as the base', () => {
    const log = fed(3, 2);
    log.reset('new', '1006-0', [entry(7), entry(8)], false);
    expect(log.lastId).toBe('new-1008-0');
    expect(datas(log.after('new-1006-0'))).toEqual(['7', '8']);
    expect(log.after('ep-1002-0')).toBeUndefined();
  });

  it('keeps only the newest entries when more are loaded than it holds', () => {
    const log = fed(2, 0);
    log.reset('ep', '1000-0', [entry(1), entry(2), entry(3)], false);
    expect(datas(log.after('ep-1001-0'))).toEqual(['2', '3']);
    expect(log.after('ep-1000-0')).toBeUndefined();
  });

  it('tells its listener to end the streams only when asked to, and never replays the loaded entries to it', () => {
    const log = fed(3, 0);
    const seen: string[] = [];
    log.listen({ event: (event) => seen.push(event.id), reset: () => seen.push('reset') });
    log.reset('ep', '0-0', [entry(1)], false);
    log.reset('ep2', '0-0', [entry(1)], true);
    expect(seen).toEqual(['reset']);
  });
});
