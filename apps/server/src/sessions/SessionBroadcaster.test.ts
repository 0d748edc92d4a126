import type { Session } from '@sessionboard/protocol';
import { SseBroker } from '@sessionboard/sse-broker';
import { describe, expect, it, vi } from 'vitest';
import { SessionBroadcaster } from './SessionBroadcaster.ts';

const session: Session = {
  id: 'a1',
  name: 'sleep',
  command: ['sleep', '30'],
  cwd: '/tmp',
  status: 'running',
  instance: 'local',
  pid: 42,
  exitCode: null,
  signal: null,
  error: null,
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  endedAt: null,
};

describe('SessionBroadcaster', () => {
  it('publishes each change once as {"type","session","at"} under the event name', () => {
    const broker = new SseBroker({ heartbeatMs: 1000 });
    const publish = vi.spyOn(broker, 'publish');
    const broadcaster = new SessionBroadcaster(broker, () => 1234);

    broadcaster.publish('session_updated', session);

    expect(publish).toHaveBeenCalledTimes(1);
    expect(publish).toHaveBeenCalledWith('session_updated', `{"type":"session_updated","session":${JSON.stringify(session)},"at":1234}`);
    expect(broker.stats().eventsPublished).toBe(1);
  });

  it('builds the snapshot with the broker heartbeat interval', () => {
    const broker = new SseBroker({ heartbeatMs: 1500 });
    const broadcaster = new SessionBroadcaster(broker, () => 99);

    expect(broadcaster.snapshot([session])).toEqual({
      event: 'snapshot',
      data: `{"type":"snapshot","sessions":[${JSON.stringify(session)}],"at":99,"heartbeatMs":1500}`,
    });
  });
});
