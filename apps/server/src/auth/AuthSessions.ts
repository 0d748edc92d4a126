import { createHash, randomBytes } from 'node:crypto';

/** Anything `AuthSessions` can end when its sign-in is revoked: an open response. */
export interface Revocable {
  destroy(): unknown;
  once(event: 'close', listener: () => void): unknown;
}

export interface AuthSessionsOptions {
  /** How long a sign-in lasts. @default 7 days */
  ttlMs?: number;
  /** Sign-ins kept; past this the oldest is revoked. @default 1000 */
  max?: number;
  /** Epoch ms. @default Date.now */
  now?: () => number;
  /** For the expiry of sign-ins with open responses. @default the global timers, unref'd */
  timers?: AuthSessionsTimers;
}

/** Timer functions, injectable for tests. */
export interface AuthSessionsTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const defaultTimers: AuthSessionsTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Longest delay a Node timer takes (about 24.8 days); a later expiry is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  expiresAt: number;
  open: Set<Revocable>;
  /** Armed while responses are open under the sign-in: ends them when it expires. */
  expiry?: unknown;
}

/**
 * The key a sign-in is kept under: the SHA-256 of its id, so a lookup's timing, a memory
 * dump or a shared store (a cluster's Redis) says nothing about a valid cookie.
 */
export function signInKey(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('base64url');
}

/**
 * The sign-ins `POST /api/auth/login` made: random ids (256 bits, base64url) that the auth
 * cookie carries instead of the token, so a cookie can be revoked and never reveals it.
 * Kept in memory: a restart signs everyone out. Revoking one, or its expiry, also ends the
 * responses still open under it (streams), so a signed-out browser stops seeing changes at once.
 */
export class AuthSessions {
  readonly ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #timers: AuthSessionsTimers;
  readonly #entries = new Map<string, Entry>();

  constructor(options: AuthSessionsOptions = {}) {
    this.ttlMs = options.ttlMs ?? 7 * 24 * 60 * 60 * 1000;
    this.#max = options.max ?? 1000;
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? defaultTimers;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Starts a sign-in; returns the id for the cookie. */
  create(): string {
    const id = randomBytes(32).toString('base64url');
    this.#entries.set(signInKey(id), { expiresAt: this.#now() + this.ttlMs, open: new Set() });
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as string;
      this.#revokeKey(oldest);
    }
    return id;
  }

  /** True for the id of a sign-in neither revoked nor expired. */
  isValid(id: string): boolean {
    const key = signInKey(id);
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    if (entry.expiresAt > this.#now()) return true;
    this.#revokeKey(key);
    return false;
  }

  /** When the sign-in `id` expires (epoch ms); undefined when it is unknown. */
  expiresAt(id: string): number | undefined {
    return this.#entries.get(signInKey(id))?.expiresAt;
  }

  /**
   * Takes in a sign-in another instance of the cluster made, by its key; true when it is
   * valid now (an expired one is ignored).
   */
  adopt(key: string, expiresAt: number): boolean {
    if (expiresAt <= this.#now()) return false;
    if (!this.#entries.has(key)) this.#entries.set(key, { expiresAt, open: new Set() });
    return true;
  }

  /** Every sign-in kept, by key, with its expiry (epoch ms). */
  keys(): [key: string, expiresAt: number][] {
    return [...this.#entries].map(([key, entry]) => [key, entry.expiresAt]);
  }

  /** Revokes a sign-in by its key (another instance of the cluster revoked it). */
  revokeKey(key: string): void {
    this.#revokeKey(key);
  }

  /** Ends `response` when the sign-in `id` is revoked or expires; forgets it once it closes. */
  track(id: string, response: Revocable): void {
    const key = signInKey(id);
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    entry.open.add(response);
    response.once('close', () => entry.open.delete(response));
    if (entry.expiry === undefined) this.#armExpiry(key, entry);
  }

  /** Ends the sign-in `id` and every response open under it. Unknown ids are ignored. */
  revoke(id: string): void {
    this.#revokeKey(signInKey(id));
  }

  #armExpiry(key: string, entry: Entry): void {
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, entry.expiresAt - this.#now()));
    entry.expiry = this.#timers.setTimeout(() => {
      entry.expiry = undefined;
      if (this.#entries.get(key) !== entry) return;
      if (entry.expiresAt <= this.#now()) this.#revokeKey(key);
      else this.#armExpiry(key, entry);
    }, delay);
  }

  #revokeKey(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    if (entry.expiry !== undefined) this.#timers.clearTimeout(entry.expiry);
    for (const response of entry.open) response.destroy();
    entry.open.clear();
  }
}
