import type { Redis, RedisOptions } from 'ioredis';
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
type Opened = Record<Role, Redis>;

/**
 * The three connections an instance keeps to Redis: one for commands and scripts, one for
 * the blocking read of the stream (`XREAD BLOCK` holds its connection), one for pub/sub
 * (a subscribed connection takes no other command). Each reconnects by itself. No command
 * waits for a connection: while one is down, its commands fail at once (no offline queue,
 * no resending), and the callers decide what to retry. ioredis is only loaded by
 * {@link connect}, so a server without `REDIS_URL` never pays for it.
 */
export class RedisConnections {
  readonly #options: RedisConnectionsOptions;
  #connections: Opened | undefined;
  readonly #logger: Logger;
  readonly #handlers = new Map<string, (message: string) => void>();
  readonly #downListeners = new Set<() => void>();
  readonly #upListeners = new Set<() => void>();
  #closed = false;
  #downLogged = false;

  constructor(options: RedisConnectionsOptions) {
    this.#options = options;
    this.#logger = options.logger;
  }

  /** The connection for commands and scripts. @throws before {@link connect} */
  get commands(): Redis {
    return this.#opened().commands;
  }

  /** The connection for the blocking read of the stream. @throws before {@link connect} */
  get tail(): Redis {
    return this.#opened().tail;
  }

  /** The connection for pub/sub. @throws before {@link connect} */
  get subscriber(): Redis {
    return this.#opened().subscriber;
  }

  /** True while the command connection is ready. */
  get commandsReady(): boolean {
    return this.#connections?.commands.status === 'ready';
  }

  /** Loads ioredis and opens the three connections (they connect, and reconnect, by themselves). */
  async connect(): Promise<void> {
    if (this.#connections !== undefined || this.#closed) return;
    const { Redis } = await import('ioredis');
    if (this.#connections !== undefined || this.#closed) return;
    const options = this.#options;
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
    const commands = open('commands');
    commands.on('ready', () => {
      for (const listener of this.#upListeners) listener();
    });
    const subscriber = open('subscriber');
    subscriber.on('message', (channel: string, message: string) => this.#handlers.get(channel)?.(message));
    this.#connections = { commands, tail: open('tail'), subscriber };
  }

  /** True while all three connections are ready. */
  get allReady(): boolean {
    const connections = this.#connections;
    return connections !== undefined && Object.values(connections).every((redis) => redis.status === 'ready');
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

  /** Like {@link subscribe}, with each message parsed as JSON; one that is not JSON is dropped. */
  subscribeJson<T>(channel: string, handler: (message: T) => void): Promise<void> {
    return this.subscribe(channel, (raw) => {
      let message: T;
      try {
        message = JSON.parse(raw) as T;
      } catch {
        return;
      }
      handler(message);
    });
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
    for (const redis of Object.values(this.#connections ?? {})) redis.disconnect(false);
  }

  #opened(): Opened {
    if (this.#connections === undefined) throw new Error('not connected to redis yet');
    return this.#connections;
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
