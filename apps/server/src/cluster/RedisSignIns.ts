import type { Logger } from 'pino';
import type { SharedSignIns } from '../auth/Auth.ts';
import { signInKey, type AuthSessions } from '../auth/AuthSessions.ts';
import type { ClusterKeys } from './clusterKeys.ts';
import type { RedisConnections } from './RedisConnections.ts';
import { withTimeout } from './withTimeout.ts';

/** Longest a request waits to learn whether another instance signed its cookie in. */
const LOOKUP_TIMEOUT_MS = 1000;

/** Options of {@link RedisSignIns}. */
export interface RedisSignInsOptions {
  connections: RedisConnections;
  keys: ClusterKeys;
  /** This instance's sign-ins. */
  sessions: AuthSessions;
  logger: Logger;
  /** @default Date.now */
  now?: () => number;
}

type SignInMessage = { type: 'revoked'; key: string };

/**
 * Sign-ins shared through Redis: each is a key (the hash of its id, never the id) holding
 * its expiry, with a TTL to match. An instance takes in a cookie it does not know when
 * Redis has its key; a logout deletes the key and tells every instance on a channel, so
 * each revokes it and ends the streams opened under it. A revocation that could not reach
 * Redis is retried; and whenever the instance reloads from Redis it revokes the sign-ins
 * Redis no longer has (a message it missed), or, when Redis lost its data, shares its own
 * again rather than sign everyone out.
 */
export class RedisSignIns implements SharedSignIns {
  readonly #options: RedisSignInsOptions;
  readonly #now: () => number;
  readonly #unsent = new Set<string>();

  constructor(options: RedisSignInsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    await this.#options.connections.subscribeJson<SignInMessage>(this.#options.keys.signIns, (message) => this.#onMessage(message));
  }

  async share(id: string): Promise<void> {
    const expiresAt = this.#options.sessions.expiresAt(id);
    if (expiresAt === undefined) return;
    await this.#set(signInKey(id), expiresAt);
  }

  async revoke(id: string): Promise<void> {
    await this.#revoke(signInKey(id));
  }

  async adopt(id: string): Promise<boolean> {
    const key = signInKey(id);
    let value: string | null;
    try {
      value = await withTimeout(this.#options.connections.commands.get(this.#options.keys.signIn(key)), LOOKUP_TIMEOUT_MS, 'looking up a sign-in');
    } catch {
      return false;
    }
    return value !== null && this.#options.sessions.adopt(key, Number(value));
  }

  /**
   * After a load from Redis: `fresh` (Redis lost its data) shares this instance's sign-ins
   * again; otherwise those Redis no longer has are revoked here. Revocations that failed
   * before are sent now.
   */
  async reconcile(fresh: boolean): Promise<void> {
    const { connections, keys, sessions, logger } = this.#options;
    try {
      for (const key of [...this.#unsent]) await this.#revoke(key);
      const held = sessions.keys();
      if (fresh) {
        for (const [key, expiresAt] of held) await this.#set(key, expiresAt);
        return;
      }
      if (held.length === 0) return;
      const found = await connections.commands.mget(...held.map(([key]) => keys.signIn(key)));
      held.forEach(([key], index) => {
        if (found[index] === null) sessions.revokeKey(key);
      });
    } catch (error) {
      logger.debug({ err: error }, 'could not reconcile sign-ins with redis; will at the next reload');
    }
  }

  async #set(key: string, expiresAt: number): Promise<void> {
    const ttlMs = expiresAt - this.#now();
    if (ttlMs <= 0) return;
    await this.#options.connections.commands.set(this.#options.keys.signIn(key), String(expiresAt), 'PX', ttlMs);
  }

  async #revoke(key: string): Promise<void> {
    const { connections, keys, logger } = this.#options;
    const message: SignInMessage = { type: 'revoked', key };
    try {
      await connections.commands.del(keys.signIn(key));
      this.#unsent.delete(key);
      await connections.commands.publish(keys.signIns, JSON.stringify(message));
    } catch (error) {
      // The key may still be in Redis: retried at the next reload, before anything else.
      this.#unsent.add(key);
      logger.warn({ err: error }, 'could not revoke a sign-in on the other instances yet; will retry when redis is back');
    }
  }

  #onMessage(message: SignInMessage): void {
    if (message.type === 'revoked' && typeof message.key === 'string') this.#options.sessions.revokeKey(message.key);
  }
}
