import type { Session } from '@sessionboard/protocol';
import { afterEach, beforeEach, expect } from 'vitest';
import { killGroups, startInstance } from './clusterHelpers.ts';
import { closeAll, sendJson, type TestServer } from './helpers.ts';
import { startRedis, stopRedises, type RedisServer } from './redisServer.ts';
import { stopMains } from './runMain.ts';

/** The Redis of the running cluster test and what it started on it; see {@link useRedisCluster}. */
export interface RedisCluster {
  /** This test's Redis, a fresh one per test. */
  readonly redis: RedisServer;
  /** Starts an instance named `name` on this test's Redis, in this process (see {@link startInstance}). */
  start(name: string, env?: Record<string, string>): Promise<TestServer>;
  /** Creates a session running `command` on `server` (an instance or its URL), expecting 201; tracked. */
  create(server: TestServer | string, command: string[]): Promise<Session>;
  /** Has the session's process group killed after the test: an instance killed or closed may leave it running. */
  track(session: Session): void;
}

/**
 * Registers the hooks of a cluster test file, so call it at its top level: a fresh Redis
 * before each test, and after it: Redis thawed (a test may have frozen it), every server
 * the helpers started closed, every `src/main.ts` process stopped, the tracked sessions'
 * process groups killed, and every Redis stopped.
 */
export function useRedisCluster(): RedisCluster {
  let redis: RedisServer | undefined;
  const started: Session[] = [];

  beforeEach(async () => {
    redis = await startRedis();
  });

  afterEach(async () => {
    redis?.resume();
    await closeAll();
    await stopMains();
    killGroups(started.splice(0));
    await stopRedises();
  });

  const current = (): RedisServer => {
    if (redis === undefined) throw new Error('useRedisCluster: no Redis outside a test');
    return redis;
  };

  return {
    get redis() {
      return current();
    },
    start: (name, env) => startInstance(current(), name, env),
    async create(server, command) {
      const url = typeof server === 'string' ? server : server.url;
      const reply = await sendJson<Session>(`${url}/api/sessions`, 'POST', { command });
      expect(reply.status).toBe(201);
      started.push(reply.body);
      return reply.body;
    },
    track(session) {
      started.push(session);
    },
  };
}
