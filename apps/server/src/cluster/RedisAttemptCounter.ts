import type { AttemptCount, AttemptCounter } from '../auth/AttemptLimiter.ts';
import type { RedisConnections } from './RedisConnections.ts';
import { RedisScript } from './RedisScript.ts';
import { withTimeout } from './withTimeout.ts';

/** Options of {@link RedisAttemptCounter}. */
export interface RedisAttemptCounterOptions {
  connections: RedisConnections;
  /** Prefix of the counters' keys. */
  prefix: string;
  /** Counts here while Redis is out of reach (or slow): a limit never stops counting. */
  fallback: AttemptCounter;
  isUp: () => boolean;
}

/** Longest an attempt waits to be counted in Redis before it is counted here instead. */
const COUNT_TIMEOUT_MS = 500;

/** KEYS the counter. ARGV window (ms). Returns {count, ms left in the window}. */
const consumeScript = new RedisScript(
  `local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}`,
  1,
);

/**
 * The sign-in attempt limit counted in Redis, in fixed windows, so that the instances of a
 * cluster count an address's attempts together. With the same limit and window as
 * `fallback`, which counts instead while Redis cannot.
 */
export class RedisAttemptCounter implements AttemptCounter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #options: RedisAttemptCounterOptions;

  constructor(options: RedisAttemptCounterOptions) {
    this.#options = options;
    this.limit = options.fallback.limit;
    this.windowMs = options.fallback.windowMs;
  }

  async peek(key: string): Promise<AttemptCount> {
    const { connections, prefix, fallback, isUp } = this.#options;
    if (!isUp()) return fallback.peek(key);
    try {
      const [count, ttl] = await withTimeout(
        Promise.all([connections.commands.get(`${prefix}${key}`), connections.commands.pttl(`${prefix}${key}`)]),
        COUNT_TIMEOUT_MS,
        'reading attempts',
      );
      return this.#count(Number(count ?? 0), ttl);
    } catch {
      return fallback.peek(key);
    }
  }

  async consume(key: string): Promise<AttemptCount> {
    const { connections, prefix, fallback, isUp } = this.#options;
    if (!isUp()) return fallback.consume(key);
    try {
      const [count, ttl] = (await withTimeout(
        consumeScript.run(connections.commands, [`${prefix}${key}`], [this.windowMs]),
        COUNT_TIMEOUT_MS,
        'counting an attempt',
      )) as [number, number];
      return this.#count(count, ttl);
    } catch {
      return fallback.consume(key);
    }
  }

  #count(count: number, ttlMs: number): AttemptCount {
    return { allowed: count <= this.limit, remaining: Math.max(0, this.limit - count), resetMs: ttlMs > 0 ? ttlMs : this.windowMs };
  }
}
