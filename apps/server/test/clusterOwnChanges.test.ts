import type { Session } from '@sessionboard/protocol';
import { describe, expect, it } from 'vitest';
import { allEnded, converged } from './clusterHelpers.ts';
import { listen, sendJson, waitFor } from './helpers.ts';
import { useRedisCluster } from './useRedisCluster.ts';

const cluster = useRedisCluster();

describe('an instance reading back its own changes', () => {
  it('publishes a short-lived session exactly twice, created then ended, however its changes and the tail interleave', async () => {
    const a = await cluster.start('a:1');
    const b = await cluster.start('b:1');
    const watcher = listen(`${b.url}/api/sse/sessions`);
    await watcher.waitForCount(1);

    const created = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const reply = await sendJson<Session>(`${a.url}/api/sessions`, 'POST', { command: ['true'] });
        cluster.track(reply.body);
        return reply.body.id;
      }),
    );
    await converged([a, b], 10_000, (list) => list.sessions.length === 40 && allEnded(list));
    await waitFor(() => (watcher.events.filter((event) => event.event === 'session_updated').length >= 40 ? true : undefined), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));

    for (const id of created) {
      const events = watcher.events.filter((event) => event.data.session?.id === id).map((event) => `${event.event}:${event.data.session?.status}`);
      expect(events, id).toEqual(['session_created:running', 'session_updated:exited']);
    }
  });
});
