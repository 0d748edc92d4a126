import { randomBytes } from 'node:crypto';
import type { Session } from '@sessionboard/protocol';
import type { Logger } from 'pino';
import type { StopSignal } from '../sessions/SessionStore.ts';
import type { ClusterKeys } from './clusterKeys.ts';
import type { RedisConnections } from './RedisConnections.ts';

/**
 * Every request one instance can make of another, by type: what is sent and what comes
 * back. Add an entry (and a handler on the instance that answers) for a new kind of
 * request, e.g. a session's output after an offset.
 */
export interface ClusterRequestMap {
  /** Stop a live session of the instance that runs it; the reply is its state right after. */
  stop: { request: { id: string; signal: StopSignal }; reply: { session: Session | null } };
}

export type ClusterRequestType = keyof ClusterRequestMap;

/** Why a request got no answer. */
export class ClusterRequestError extends Error {
  readonly reason: 'unreachable' | 'timeout' | 'failed';

  constructor(reason: ClusterRequestError['reason'], message: string) {
    super(message);
    this.name = 'ClusterRequestError';
    this.reason = reason;
  }
}

interface RequestMessage {
  id: string;
  type: string;
  from: string;
  body: unknown;
}

type ReplyMessage = { id: string; ok: true; body: unknown } | { id: string; ok: false; error: string };

type Handler<K extends ClusterRequestType> = (body: ClusterRequestMap[K]['request']) => Promise<ClusterRequestMap[K]['reply']> | ClusterRequestMap[K]['reply'];

/** Options of {@link ClusterRequests}. */
export interface ClusterRequestsOptions {
  connections: RedisConnections;
  keys: ClusterKeys;
  /** `INSTANCE_NAME`: requests to it arrive on its own channel. */
  instance: string;
  logger: Logger;
}

/**
 * Requests from one instance to another over pub/sub, with replies: each instance listens
 * on its own request channel and gets answers on its own reply channel. A request to an
 * instance that is not subscribed fails at once (`PUBLISH` reached no one); one that gets
 * no answer in time fails with `timeout`. Nothing is retried or persisted: a caller that
 * gets an error tells its own client to try again.
 */
export class ClusterRequests {
  readonly #options: ClusterRequestsOptions;
  readonly #handlers = new Map<string, (body: unknown) => unknown>();
  readonly #waiting = new Map<string, { resolve: (body: unknown) => void; reject: (error: Error) => void }>();

  constructor(options: ClusterRequestsOptions) {
    this.#options = options;
  }

  /** Subscribes to this instance's request and reply channels. */
  async start(): Promise<void> {
    const { connections, keys, instance } = this.#options;
    await connections.subscribeJson<RequestMessage>(keys.requests(instance), (message) => void this.#onRequest(message));
    await connections.subscribeJson<ReplyMessage>(keys.replies(instance), (message) => this.#onReply(message));
  }

  /** Answers requests of `type` with `handler`; what it throws is sent back as a failure. */
  handle<K extends ClusterRequestType>(type: K, handler: Handler<K>): void {
    this.#handlers.set(type, handler as (body: unknown) => unknown);
  }

  /**
   * Sends a request to `instance` and resolves with its reply.
   * @throws {ClusterRequestError} `unreachable` when no instance of that name listens,
   *   `timeout` after `timeoutMs` without an answer, `failed` when its handler failed.
   */
  async request<K extends ClusterRequestType>(
    instance: string,
    type: K,
    body: ClusterRequestMap[K]['request'],
    timeoutMs: number,
  ): Promise<ClusterRequestMap[K]['reply']> {
    const { connections, keys } = this.#options;
    const id = randomBytes(9).toString('base64url');
    const message: RequestMessage = { id, type, from: this.#options.instance, body };
    const answer = new Promise<unknown>((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
    let timer: NodeJS.Timeout | undefined;
    try {
      const receivers = await connections.commands.publish(keys.requests(instance), JSON.stringify(message));
      if (receivers === 0) throw new ClusterRequestError('unreachable', `instance ${instance} is not connected to the cluster`);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ClusterRequestError('timeout', `instance ${instance} did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      return (await Promise.race([answer, timeout])) as ClusterRequestMap[K]['reply'];
    } finally {
      clearTimeout(timer);
      this.#waiting.delete(id);
    }
  }

  async #onRequest(message: RequestMessage): Promise<void> {
    const { connections, keys, logger } = this.#options;
    let reply: ReplyMessage;
    const handler = this.#handlers.get(message.type);
    try {
      if (handler === undefined) throw new Error(`no handler for requests of type ${message.type}`);
      reply = { id: message.id, ok: true, body: await handler(message.body) };
    } catch (error) {
      logger.warn({ err: error, type: message.type, from: message.from }, 'a cluster request failed');
      reply = { id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    await connections.commands.publish(keys.replies(message.from), JSON.stringify(reply)).catch((error: unknown) => {
      logger.debug({ err: error, to: message.from }, 'could not send a reply');
    });
  }

  #onReply(reply: ReplyMessage): void {
    const waiting = this.#waiting.get(reply.id);
    if (waiting === undefined) return;
    if (reply.ok) waiting.resolve(reply.body);
    else waiting.reject(new ClusterRequestError('failed', reply.error));
  }
}
