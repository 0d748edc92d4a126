import { describe, expect, it } from 'vitest';
import { MemoryEventLog } from './MemoryEventLog.ts';

function filled(capacity: number, count: number): MemoryEventLog {
  const log = new MemoryEventLog({ capacity, epoch: 'e' });
  for (let i = 1; i <= count; i++) log.append('tick', String(i));
  return log;
}

const datas = (events: readonly { data: string }[] | undefined) => events?.map((event) => event.data);

describe('MemoryEventLog ids', () => {
  it('starts at the epoch id of the empty log', () => {
    expect(new MemoryEventLog({ epoch: 'e' }).lastId).toBe('e-0');
  });

  it('gives each event the next id and encodes its frame once', () => {
    const log = new MemoryEventLog({ epoch: 'e' });
    const event = log.append('session_created', '{"x":1}');
    expect(event.id).toBe('e-1');
    expect(event.frame.toString()).toBe('id: e-1\nevent: session_created\ndata: {"x":1}\n\n');
    expect(log.lastId).toBe('e-1');
  });

  it('uses a different epoch per log by default', () => {
    expect(new MemoryEventLog().lastId).not.toBe(new MemoryEventLog().lastId);
  });
});

describe('MemoryEventLog replay', () => {
  it('replays nothing from the start of an empty log', () => {
    expect(filled(3, 0).after('e-0')).toEqual([]);
  });

  it('replays every event after the given id, oldest first', () => {
    expect(datas(filled(5, 4).after('e-1'))).toEqual(['2', '3', '4']);
  });

  it('replays nothing after the newest id', () => {
    expect(filled(5, 4).after('e-4')).toEqual([]);
  });

  it('replays the whole window from the id just before it', () => {
    // capacity 3, events 1..5 kept: 3,4,5; after e-2 needs exactly those.
    expect(datas(filled(3, 5).after('e-2'))).toEqual(['3', '4', '5']);
  });

  it('answers undefined for an id that has fallen out of the window', () => {
    expect(filled(3, 5).after('e-1')).toBeUndefined();
    expect(filled(3, 5).after('e-0')).toBeUndefined();
  });

  it('answers undefined for an id from the future', () => {
    expect(filled(3, 2).after('e-3')).toBeUndefined();
  });

  it('answers undefined for ids of another epoch or of another form', () => {
    const log = filled(3, 2);
    for (const id of ['x-1', '1', '', 'e-', 'e-01', 'e--1', 'e-1.5', 'e-99999999999999999999', 'e-1 ']) {
      expect(log.after(id), id).toBeUndefined();
    }
  });

  it('keeps the ring correct after wrapping many times', () => {
    const log = filled(4, 1003);
    expect(log.size).toBe(4);
    expect(datas(log.after('e-999'))).toEqual(['1000', '1001', '1002', '1003']);
  });

  it('with capacity 0 can only say the client is up to date', () => {
    const log = filled(0, 2);
    expect(log.after('e-2')).toEqual([]);
    expect(log.after('e-1')).toBeUndefined();
  });
});
