import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './parseRetryAfter.ts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T10:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('20', now)).toBe(20_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date relative to now, never below zero', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 09:00:00 GMT', now)).toBe(0);
  });

  it('returns null for a missing or unreadable value', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
  });
});
