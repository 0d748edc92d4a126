import type { Session } from '@sessionboard/protocol';
import { ApiClient } from './ApiClient.ts';
import { NginxProcess } from './NginxProcess.ts';
import { RedisProcess } from './RedisProcess.ts';
import { ServerProcess } from './ServerProcess.ts';

/** Options of {@link ClusterProcess.start}. */
export interface ClusterOptions {
  /** `INSTANCE_TTL_MS` of every instance. @default 3000 */
  instanceTtlMs?: number;
}

/**
 * A cluster as the README's "Running a cluster" runs it: one redis-server, two built
 * servers on it (`one` and `two`, `TRUST_PROXY=loopback`), and nginx in front of both with
 * the shipped configuration. `api` goes through nginx, each instance's own `api` straight to it.
 */
export class ClusterProcess {
  /** Sessions of instances killed with SIGKILL: their process groups outlive them. */
  private readonly orphans: Session[] = [];

  private constructor(
    private readonly redis: RedisProcess,
    readonly instances: readonly [ServerProcess, ServerProcess],
    private readonly nginx: NginxProcess,
  ) {}

  static async start(options: ClusterOptions = {}): Promise<ClusterProcess> {
    const redis = await RedisProcess.start();
    const started: ServerProcess[] = [];
    try {
      for (const name of ['one', 'two']) {
        const server = await ServerProcess.create({
          env: { REDIS_URL: redis.url, INSTANCE_NAME: name, INSTANCE_TTL_MS: String(options.instanceTtlMs ?? 3000), TRUST_PROXY: 'loopback' },
        });
        started.push(server);
        await server.start();
      }
      const [one, two] = started as [ServerProcess, ServerProcess];
      const nginx = await NginxProcess.start([one.port, two.port]);
      return new ClusterProcess(redis, [one, two], nginx);
    } catch (error) {
      await Promise.all(started.map((server) => server.dispose()));
      await redis.stop();
      throw error;
    }
  }

  /** nginx's address: the dashboard and the API as a user reaches them. */
  get url(): string {
    return this.nginx.url;
  }

  /** The REST API through nginx. */
  get api(): ApiClient {
    return new ApiClient(() => this.nginx.url);
  }

  /** Every process's log, for a failed test. */
  get log(): string {
    const [one, two] = this.instances;
    return `--- one ---\n${one.log}\n--- two ---\n${two.log}\n--- nginx ---\n${this.nginx.log}`;
  }

  /** The instance holding the page's sessions stream now (the one with an open stream), if any. */
  async streamHolder(): Promise<0 | 1 | undefined> {
    const counts = await Promise.all(
      this.instances.map(async (server) => {
        if (!server.running) return 0;
        const metrics = await (await fetch(new URL('/metrics', server.baseURL))).text();
        return Number(/^sse_active_connections (\d+)/m.exec(metrics)?.[1] ?? 0);
      }),
    );
    const index = counts.findIndex((count) => count > 0);
    return index === 0 || index === 1 ? index : undefined;
  }

  /** Kills instance `index` with SIGKILL, as a crash would; its sessions' processes are killed at {@link dispose}. */
  async kill(index: 0 | 1): Promise<void> {
    const server = this.instances[index];
    const { sessions } = await server.api.listSessions();
    const name = server.env.INSTANCE_NAME;
    this.orphans.push(...sessions.filter((session) => session.instance === name));
    await server.stop({ signal: 'SIGKILL' });
  }

  /** Stops nginx, the instances (gracefully) and Redis, and kills what killed instances left running. */
  async dispose(): Promise<void> {
    await this.nginx.stop();
    await Promise.all(this.instances.map((server) => server.dispose()));
    for (const session of this.orphans) {
      if (session.pid === null) continue;
      try {
        process.kill(-session.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    await this.redis.stop();
  }
}
