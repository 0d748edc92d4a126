/** Bounds of {@link backoffDelay}. */
export interface BackoffOptions {
  /** Ceiling of the first delay. @default 1000 */
  baseMs?: number;
  /** Largest ceiling. @default 30000 */
  capMs?: number;
}

/**
 * Exponential backoff with full jitter: a uniform delay in
 * `[0, min(capMs, baseMs × 2^attempt))`, for the retry numbered `attempt` from 0.
 */
export function backoffDelay(attempt: number, random: () => number, options: BackoffOptions = {}): number {
  const { baseMs = 1000, capMs = 30_000 } = options;
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}
