import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/** Options of {@link RedisConnections}. */
export interface RedisConnectionsOptions {
  /** `REDIS_URL`. */
  url: string;
  /** Shown in Redis' `CLIENT LIST`, with each connection's role. */
  name: string;
  logger: Logger;
  /** Longest wait between two attempts to reconnect, in ms. @default 1000 */
  maxReconnectDelayMs?: number;
}

type Role = 'commands' | 'tail' | 'subscriber';

/**
 * The three connections an instance keeps to Redis: one for commands and scripts, one for
 * the blocking read of the stream (`XREAD BLOCK` holds its connection), one for pub/sub
 * (a subscribed connection takes no other command). Each reconnects by itself. No command
 * waits for a connection: while one is down, its commands fail at once (no offline queue,
 * no resending), and the callers decide what to retry.
 */
export class RedisConnections {
  readonly commands: Redis;
  readonly tail: Redis;
  readonly subscriber: Redis;
  readonly #logger: Logger;
  readonly #handlers = new Map<string, (message: string) => void>();
  readonly #downListeners = new Set<() => void>();
  readonly #upListeners = new Set<() => void>();
  #closed = false;
  #downLogged = false;

  constructor(options: RedisConnectionsOptions) {
    this.#logger = options.logger;
    const maxDelay = options.maxReconnectDelayMs ?? 1000;
    const base: RedisOptions = {
      protocol: 2,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      connectTimeout: 5000,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxDelay),
    };
    const open = (role: Role) => {
      const redis = new Redis(options.url, { ...base, connectionName: `sessionboard:${options.name}:${role}` });
      redis.on('error', (error: Error) => this.#onError(role, error));
      redis.on('close', () => {
        if (!this.#closed) for (const listener of this.#downListeners) listener();
      });
      redis.on('ready', () => {
        if (this.#downLogged && this.allReady) {
          this.#downLogged = false;
          this.#logger.info('redis reachable again');
        }
      });
      return redis;
    };
    this.commands = open('commands');
    this.commands.on('ready', () => {
      for (const listener of this.#upListeners) listener();
    });
    this.tail = open('tail');
    this.subscriber = open('subscriber');
    this.subscriber.on('message', (channel: string, message: string) => this.#handlers.get(channel)?.(message));
  }

  /** True while all three connections are ready. */
  get allReady(): boolean {
    return this.commands.status === 'ready' && this.tail.status === 'ready' && this.subscriber.status === 'ready';
  }

  /** Resolves once `redis` is ready (at once when it is); never when the connections are closed. */
  whenReady(redis: Redis): Promise<void> {
    if (redis.status === 'ready') return Promise.resolve();
    return new Promise((resolve) => redis.once('ready', () => resolve()));
  }

  /** Calls `handler` with every message on `channel`; subscribes once the subscriber is ready. */
  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    this.#handlers.set(channel, handler);
    for (;;) {
      await this.whenReady(this.subscriber);
      try {
        await this.subscriber.subscribe(channel);
        return;
      } catch (error) {
        if (this.#closed) return;
        this.#logger.debug({ err: error, channel }, 'subscribe failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Stops calling the handler of `channel` and unsubscribes from it. */
  async unsubscribe(channel: string): Promise<void> {
    this.#handlers.delete(channel);
    if (this.subscriber.status === 'ready') await this.subscriber.unsubscribe(channel).catch(() => {});
  }

  /**
   * Calls `listener` whenever a connection closes (Redis restarted, network cut). The
   * subscriber subscribes again by itself once back; messages sent meanwhile are missed.
   */
  onDown(listener: () => void): void {
    this.#downListeners.add(listener);
  }

  /** Calls `listener` whenever the command connection is ready, at first and after each reconnect. */
  onCommandsReady(listener: () => void): void {
    this.#upListeners.add(listener);
  }

  /** Closes every connection for good; pending commands fail. */
  close(): void {
    this.#closed = true;
    for (const redis of [this.commands, this.tail, this.subscriber]) redis.disconnect(false);
  }

  #onError(role: Role, error: Error): void {
    if (this.#closed) return;
    // One warning per outage, not one per reconnection attempt.
    if (!this.#downLogged) {
      this.#downLogged = true;
      this.#logger.warn({ err: error, connection: role }, 'redis unreachable; retrying');
    } else {
      this.#logger.debug({ err: error, connection: role }, 'redis error');
    }
  }
}
