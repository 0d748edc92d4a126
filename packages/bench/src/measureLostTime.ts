import { API_PATHS } from '@sessionboard/protocol';
import type { Session } from '@sessionboard/protocol';
import { apiRequest } from './apiRequest.ts';
import type { BenchTarget } from './BenchTarget.ts';
import { epochNow } from './epochNow.ts';
import { freePort } from './freePort.ts';
import { startRedis, type RunningRedis } from './startRedis.ts';
import { startServer, type RunningServer } from './startServer.ts';

/** How long a killed instance's session took to be shown `lost` elsewhere. */
export interface LostTimeResult {
  /** `INSTANCE_TTL_MS` of both instances. */
  ttlMs: number;
  /** From SIGKILL to the other instance answering `lost` for its session, in ms. */
  lostAfterMs: number;
  error?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two instances on one Redis with `INSTANCE_TTL_MS=ttlMs`; a `sleep` session on the second;
 * the second killed with SIGKILL; then `GET /api/sessions/:id` on the first every 20 ms until
 * it says `lost`. The session's process, left running by the killed instance, is killed after.
 */
export async function measureLostTime(target: BenchTarget, ttlMs: number): Promise<LostTimeResult> {
  const result: LostTimeResult = { ttlMs, lostAfterMs: Number.NaN };
  let redis: RunningRedis | undefined;
  const servers: RunningServer[] = [];
  let session: Session | undefined;
  try {
    redis = await startRedis();
    for (const name of ['bench-1', 'bench-2']) {
      servers.push(await startServer({ ...target, env: { ...target.env, REDIS_URL: redis.url, INSTANCE_NAME: name, INSTANCE_TTL_MS: String(ttlMs) } }, await freePort()));
    }
    const [survivor, victim] = servers as [RunningServer, RunningServer];
    session = (await apiRequest(victim.baseUrl, 'POST', API_PATHS.sessions, { command: ['sleep', '600'] })) as Session;
    const statusOn = async () => ((await apiRequest(survivor.baseUrl, 'GET', `${API_PATHS.sessions}/${encodeURIComponent(session?.id ?? '')}`)) as Session).status;
    // Both have heard each other for a while, as in a cluster that has been up.
    await sleep(Math.min(ttlMs, 3000));
    if ((await statusOn()) !== 'running') throw new Error('the session is not running on the other instance');

    process.kill(victim.pid, 'SIGKILL');
    const killedAt = epochNow();
    const deadline = killedAt + ttlMs + 30_000;
    while ((await statusOn()) !== 'lost') {
      if (epochNow() > deadline) throw new Error(`not lost ${deadline - killedAt} ms after the kill`);
      await sleep(20);
    }
    result.lostAfterMs = epochNow() - killedAt;
  } catch (error) {
    result.error = (error as Error).message;
  } finally {
    if (session?.pid != null) {
      try {
        process.kill(-session.pid, 'SIGKILL');
      } catch {
        // Ended with its instance after all.
      }
    }
    await Promise.all(servers.map((server) => server.stop()));
    await redis?.stop();
  }
  return result;
}
