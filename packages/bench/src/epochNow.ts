/**
 * Epoch milliseconds with sub-millisecond resolution, comparable across processes on one
 * machine (the server's `at` is `Date.now()`, so a latency reads up to 1 ms high, for
 * every server alike).
 */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
