import { epochNow } from './epochNow.ts';

/**
 * Calls `fire(i)` `count` times, the i-th at `start + i * intervalMs` (epoch ms, from
 * {@link epochNow}) or at once when late, without waiting for one to settle before the
 * next; resolves when all have.
 */
export async function fireSteadily(count: number, intervalMs: number, start: number, fire: (i: number) => Promise<void>): Promise<void> {
  const fired: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = start + i * intervalMs - epochNow();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    fired.push(fire(i));
  }
  await Promise.all(fired);
}
