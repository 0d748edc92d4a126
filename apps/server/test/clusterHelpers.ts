import type { Session, SessionListResponse } from '@sessionboard/protocol';
import { isLiveStatus } from '@sessionboard/protocol';
import { sendJson, startServer, type TestServer } from './helpers.ts';
import type { RedisServer } from './redisServer.ts';

/** Starts an instance of the cluster on `redis`, named `name`, in this process. */
export function startInstance(redis: RedisServer, name: string, env: Record<string, string> = {}): Promise<TestServer> {
  return startServer({ REDIS_URL: redis.url, INSTANCE_NAME: name, INSTANCE_TTL_MS: '3000', RATE_LIMIT_PER_MINUTE: '100000', ...env });
}

export async function list(server: TestServer | string): Promise<SessionListResponse> {
  const url = typeof server === 'string' ? server : server.url;
  const reply = await sendJson<SessionListResponse>(`${url}/api/sessions`, 'GET');
  if (reply.status !== 200) throw new Error(`GET /api/sessions answered ${reply.status}: ${reply.text}`);
  return reply.body;
}

/**
 * Waits until every instance lists the same sessions under the same last id, and `until`
 * holds for that list; returns it.
 */
export async function converged(
  servers: readonly (TestServer | string)[],
  timeoutMs = 10_000,
  until: (list: SessionListResponse) => boolean = () => true,
): Promise<SessionListResponse> {
  let last = '';
  return eventually(
    async () => {
      const lists = await Promise.all(servers.map((server) => list(server)));
      last = JSON.stringify(lists.map((l) => [l.lastEventId, l.sessions.length]));
      const first = JSON.stringify(lists[0]);
      return lists.every((l) => JSON.stringify(l) === first) && until(lists[0] as SessionListResponse) ? lists[0] : undefined;
    },
    timeoutMs,
    () => last,
  );
}

/** The session with `id` in the list of `server`, once `match` holds for it. */
export function sessionOn(server: TestServer | string, id: string, match: (session: Session) => boolean, timeoutMs = 10_000): Promise<Session> {
  let seen: Session | undefined;
  return eventually(
    async () => {
      seen = (await list(server)).sessions.find((s) => s.id === id);
      return seen !== undefined && match(seen) ? seen : undefined;
    },
    timeoutMs,
    () => JSON.stringify(seen),
  );
}

/** Kills the process groups of `sessions` that may still run (a killed instance leaves them behind). */
export function killGroups(sessions: Iterable<Session>): void {
  for (const session of sessions) {
    if (session.pid === null) continue;
    try {
      process.kill(-session.pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

/** Polls an async `probe` (every 50 ms) until it returns something other than undefined. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000, describe?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms${describe ? `: ${describe()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** For {@link converged}: every session has ended. */
export const allEnded = (list: SessionListResponse): boolean => list.sessions.every((s) => !isLiveStatus(s.status));
