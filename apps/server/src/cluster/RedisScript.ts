import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run by its SHA1 (`EVALSHA`), sent in full (`EVAL`) when Redis does not know
 * it yet, as after a restart. A script runs atomically: nothing else happens in Redis meanwhile.
 */
export class RedisScript {
  readonly sha: string;
  readonly #source: string;
  readonly #keyCount: number;

  constructor(source: string, keyCount: number) {
    this.#source = source;
    this.#keyCount = keyCount;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script; rejects with Redis' error (or the connection's). */
  async run(redis: Redis, keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
    if (keys.length !== this.#keyCount) throw new RangeError(`the script takes ${this.#keyCount} keys, got ${keys.length}`);
    try {
      return await redis.evalsha(this.sha, this.#keyCount, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await redis.eval(this.#source, this.#keyCount, ...keys, ...args);
    }
  }
}
