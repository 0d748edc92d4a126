import { describe, expect, it } from 'vitest';
import { START_STREAM_ID, compareStreamIds, createEpoch, formatClusterEventId, isStreamId, parseClusterEventId } from './clusterEventId.ts';

describe('cluster event ids', () => {
  it('puts the epoch before the stream id and takes them apart again', () => {
    const id = formatClusterEventId('k3x9', '1732000000000-7');
    expect(id).toBe('k3x9-1732000000000-7');
    expect(parseClusterEventId(id)).toEqual({ epoch: 'k3x9', streamId: '1732000000000-7' });
    expect(parseClusterEventId(formatClusterEventId('k3x9', START_STREAM_ID))).toEqual({ epoch: 'k3x9', streamId: '0-0' });
  });

  it('refuses ids that no cluster made', () => {
    for (const id of ['', 'k3x9', 'k3x9-', 'k3x9-12', 'k3x9-1-', 'K3X9-1-2', '-1-2', 'k3x9-01-2', 'k3x9-1-02', 'k3x9-1-2-3', 'k3x9-1.5-2', 'e-1', 'k3x9-1-2 ', `k-${'9'.repeat(21)}-0`]) {
      expect(parseClusterEventId(id), id).toBeUndefined();
    }
  });

  it('orders stream ids by time, then sequence, as numbers rather than strings', () => {
    const sorted = ['0-0', '0-1', '9-0', '10-0', '10-2', '10-10', '1732000000000-0', '17320000000000-0'];
    const shuffled = [...sorted].reverse();
    expect(shuffled.sort(compareStreamIds)).toEqual(sorted);
    expect(compareStreamIds('5-3', '5-3')).toBe(0);
    expect(compareStreamIds('99999999999999999999-0', '99999999999999999998-5')).toBeGreaterThan(0);
  });

  it('knows a stream id when it sees one', () => {
    expect(['0-0', '1-0', '1732000000000-12'].every(isStreamId)).toBe(true);
    expect(['0', '1-', '-1', '01-0', 'a-b', '1-0-0'].some(isStreamId)).toBe(false);
  });

  it('makes epochs of 12 lowercase letters and digits, different each time', () => {
    const epochs = new Set(Array.from({ length: 50 }, () => createEpoch()));
    expect(epochs.size).toBe(50);
    for (const epoch of epochs) expect(epoch).toMatch(/^[a-z0-9]{12}$/);
  });
});
