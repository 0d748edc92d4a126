import { createHash } from 'node:crypto';
import type { Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { RedisConnections } from './RedisConnections.ts';
import { withTimeout } from './withTimeout.ts';

/** Longest a request waits for its count; past it, it goes through uncounted. */
const COUNT_TIMEOUT_MS = 500;

/**
 * The API rate limit's counters in Redis (`rate-limit-redis`), so that the limit counts
 * requests to every instance together. While Redis is out of reach (or slow to answer) a
 * count fails fast and the limiter lets the request through.
 */
export function redisRateLimitStore(connections: RedisConnections, prefix: string, isUp: () => boolean): Store {
  return new RedisStore({
    prefix,
    sendCommand: async (...args: string[]): Promise<RedisReply> => {
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
    },
  });
}
