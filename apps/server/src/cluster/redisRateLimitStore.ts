import { createHash } from 'node:crypto';
import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';
import type { RedisReply } from 'rate-limit-redis';
import type { RedisConnections } from './RedisConnections.ts';
import { withTimeout } from './withTimeout.ts';

/** Longest a request waits for its count; past it, it goes through uncounted. */
const COUNT_TIMEOUT_MS = 500;

/**
 * The API rate limit's counters in Redis (`rate-limit-redis`'s `RedisStore`, loaded at the
 * first count), so that the limit counts requests to every instance together. While Redis
 * is out of reach (or slow to answer) a count fails fast and the limiter lets the request
 * through.
 */
export function redisRateLimitStore(connections: RedisConnections, prefix: string, isUp: () => boolean): Store {
  const sendCommand = async (...args: string[]): Promise<RedisReply> => {
    const [command = '', ...rest] = args;
    if (command.toUpperCase() === 'SCRIPT' && rest[0]?.toUpperCase() === 'LOAD') {
      // The store keeps the SHA it is given for good; it is the script's SHA1 whether or
      // not Redis could be told now (EVALSHA answers NOSCRIPT, and the store loads again).
      try {
        return (await connections.commands.call(command, ...rest)) as RedisReply;
      } catch {
        return createHash('sha1')
          .update(rest[1] ?? '')
          .digest('hex');
      }
    }
    if (!isUp()) throw new Error('redis is out of reach');
    return (await withTimeout(connections.commands.call(command, ...rest), COUNT_TIMEOUT_MS, 'counting a request')) as RedisReply;
  };
  let options: Options | undefined;
  let store: Promise<Store> | undefined;
  const load = () =>
    (store ??= import('rate-limit-redis').then(({ RedisStore }) => {
      const redisStore = new RedisStore({ prefix, sendCommand });
      void redisStore.init(options as Options);
      return redisStore;
    }));
  return {
    localKeys: false,
    init(given: Options) {
      options = given;
    },
    async increment(key: string): Promise<IncrementResponse> {
      return (await load()).increment(key);
    },
    async decrement(key: string): Promise<void> {
      await (await load()).decrement(key);
    },
    async resetKey(key: string): Promise<void> {
      await (await load()).resetKey(key);
    },
    async get(key: string): Promise<ClientRateLimitInfo | undefined> {
      return (await load()).get?.(key);
    },
  };
}
