/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added a second. */
  perSecond: number;
  /** Tokens held at most, and at first. */
  burst: number;
  /** Clock in ms. @default performance.now */
  now?: () => number;
}

/** A token bucket: at most `burst` at once, `perSecond` on average. */
export class TokenBucket {
  readonly #perSecond: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(options: TokenBucketOptions) {
    this.#perSecond = options.perSecond;
    this.#burst = options.burst;
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = options.burst;
    this.#at = this.#now();
  }

  /** Whole tokens there are now. */
  available(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) / 1000) * this.#perSecond);
    this.#at = now;
    return Math.floor(this.#tokens);
  }

  /** Spends `count` tokens (it may go below zero: the next ones then come later). */
  take(count: number): void {
    this.available();
    this.#tokens -= count;
  }

  /** Ms until the bucket is out of debt (no longer below zero); 0 when it is not in debt. */
  debtMs(): number {
    return this.#tokens < 0 ? (-this.#tokens * 1000) / this.#perSecond : 0;
  }
}
