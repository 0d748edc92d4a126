import type { Session } from '@sessionboard/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allEnded, converged, killGroups, startInstance } from './clusterHelpers.ts';
import { closeAll, listen, sendJson, waitFor } from './helpers.ts';
import { startRedis, stopRedises, type RedisServer } from './redisServer.ts';

let redis: RedisServer;
const started: Session[] = [];

beforeEach(async () => {
  redis = await startRedis();
});

afterEach(async () => {
  await closeAll();
  killGroups(started.splice(0));
  await stopRedises();
});

describe('an instance reading back its own changes', () => {
  it('publishes a short-lived session exactly twice, created then ended, however its changes and the tail interleave', async () => {
    const a = await startInstance(redis, 'a:1');
    const b = await startInstance(redis, 'b:1');
    const watcher = listen(`${b.url}/api/sse/sessions`);
    await watcher.waitForCount(1);

    const created = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const reply = await sendJson<Session>(`${a.url}/api/sessions`, 'POST', { command: ['true'] });
        started.push(reply.body);
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
