import { describe, expect, it } from 'vitest';
import { Outbox } from './Outbox.ts';

describe('Outbox', () => {
  it('numbers changes in order and hands out the oldest first', () => {
    const outbox = new Outbox();
    outbox.push('session_created', 'a', { id: 's1', json: '{}' });
    outbox.push('session_updated', 'b', { id: 's1', json: '{}' });
    outbox.push('tick', 'c');
    expect(outbox.head(2).map((item) => [item.seq, item.data])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(outbox.lastSeq).toBe(3);
    expect(outbox.head(9)[2]).toMatchObject({ seq: 3, sessionId: undefined, sessionJson: undefined });
  });

  it('drops what Redis acknowledged, up to a seq', () => {
    const outbox = new Outbox();
    for (const data of ['a', 'b', 'c']) outbox.push('tick', data);
    outbox.ack(2);
    expect(outbox.head(9).map((item) => item.data)).toEqual(['c']);
    outbox.ack(2);
    expect(outbox.size).toBe(1);
  });

  it('says which sessions still have a change waiting', () => {
    const outbox = new Outbox();
    outbox.push('session_created', 'a', { id: 's1', json: '{}' });
    outbox.push('session_updated', 'b', { id: 's1', json: '{}' });
    outbox.push('session_created', 'c', { id: 's2', json: '{}' });
    outbox.ack(1);
    expect([outbox.hasPending('s1'), outbox.hasPending('s2')]).toEqual([true, true]);
    outbox.ack(2);
    expect([outbox.hasPending('s1'), outbox.hasPending('s2')]).toEqual([false, true]);
    outbox.clear();
    expect([outbox.size, outbox.hasPending('s2'), outbox.lastSeq]).toEqual([0, false, 3]);
  });
});
