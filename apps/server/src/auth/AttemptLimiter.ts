/** The count of one key in the current window. */
export interface AttemptCount {
  /** False once `limit` attempts were made in this window. */
  allowed: boolean;
  /** Attempts left in this window. */
  remaining: number;
  /** Ms until the window ends and the count starts again. */
  resetMs: number;
}

/**
 * Where sign-in attempts are counted: in memory ({@link AttemptLimiter}), or shared by the
 * instances of a cluster.
 */
export interface AttemptCounter {
  /** Attempts per key and window. */
  readonly limit: number;
  readonly windowMs: number;
  /** The count of `key` without adding to it. */
  peek(key: string): AttemptCount | Promise<AttemptCount>;
  /** Adds one attempt of `key`; `allowed` says whether it was within the limit. */
  consume(key: string): AttemptCount | Promise<AttemptCount>;
}

export interface AttemptLimiterOptions {
  /** Attempts per key and window. */
  limit: number;
  /** @default 60000 */
  windowMs?: number;
  /** Epoch ms. @default Date.now */
  now?: () => number;
  /** Keys kept before expired windows are swept. @default 10000 */
  sweepAbove?: number;
}

/**
 * Counts attempts per key (a client address) in fixed windows, in memory. Separate from the
 * API's rate limit: sign-in attempts and wrong tokens are far scarcer than requests.
 */
export class AttemptLimiter implements AttemptCounter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #now: () => number;
  readonly #sweepAbove: number;
  readonly #windows = new Map<string, { count: number; endsAt: number }>();

  constructor(options: AttemptLimiterOptions) {
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#sweepAbove = options.sweepAbove ?? 10_000;
  }

  /** The count of `key` without adding to it. */
  peek(key: string): AttemptCount {
    const now = this.#now();
    const window = this.#windows.get(key);
    const count = window !== undefined && window.endsAt > now ? window.count : 0;
    const resetMs = window !== undefined && window.endsAt > now ? window.endsAt - now : this.windowMs;
    return { allowed: count < this.limit, remaining: Math.max(0, this.limit - count), resetMs };
  }

  /** Adds one attempt of `key`; `allowed` says whether it was within the limit. */
  consume(key: string): AttemptCount {
    const now = this.#now();
    let window = this.#windows.get(key);
    if (window === undefined || window.endsAt <= now) {
      if (this.#windows.size >= this.#sweepAbove) this.#sweep(now);
      window = { count: 0, endsAt: now + this.windowMs };
      this.#windows.set(key, window);
    }
    window.count += 1;
    return { allowed: window.count <= this.limit, remaining: Math.max(0, this.limit - window.count), resetMs: window.endsAt - now };
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) if (window.endsAt <= now) this.#windows.delete(key);
  }
}
