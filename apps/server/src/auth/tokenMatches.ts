import { createHash, timingSafeEqual } from 'node:crypto';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * True when `given` is `expected`, in time that depends on neither: both are hashed to
 * SHA-256 first, so `timingSafeEqual` compares equal lengths and a wrong length leaks nothing.
 */
export function tokenMatches(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}
