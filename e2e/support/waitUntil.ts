/** Options of {@link waitUntil}. */
export interface WaitUntilOptions {
  /** @default 10_000 */
  timeoutMs?: number;
  /** @default 100 */
  intervalMs?: number;
  /** Says what was awaited, for the timeout message. */
  message?: string;
}

/**
 * Calls `probe` until it returns something other than `undefined`, and returns that.
 * A probe that throws is retried; its last error is quoted if time runs out.
 * @throws Error when `timeoutMs` passes first.
 */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  options: WaitUntilOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 100, message = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${message}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
