import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthSessions } from './AuthSessions.ts';

class FakeResponse extends EventEmitter {
  destroyed = false;
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
}

describe('AuthSessions', () => {
  it('creates random base64url ids of 256 bits that are valid until revoked', () => {
    const sessions = new AuthSessions();

    const a = sessions.create();
    const b = sessions.create();
    sessions.revoke(a);

    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(b).not.toBe(a);
    expect(sessions.isValid(a)).toBe(false);
    expect(sessions.isValid(b)).toBe(true);
    expect(sessions.isValid('made-up')).toBe(false);
  });

  it('expires a sign-in after ttlMs', () => {
    const clock = { now: 0 };
    const sessions = new AuthSessions({ ttlMs: 1000, now: () => clock.now });
    const id = sessions.create();

    clock.now = 999;
    const before = sessions.isValid(id);
    clock.now = 1000;
    const after = sessions.isValid(id);

    expect([before, after]).toEqual([true, false]);
    expect(sessions.size).toBe(0);
  });

  it('revokes the oldest sign-in past max', () => {
    const sessions = new AuthSessions({ max: 2 });
    const [a, b, c] = [sessions.create(), sessions.create(), sessions.create()];

    expect([sessions.isValid(a), sessions.isValid(b), sessions.isValid(c)]).toEqual([false, true, true]);
    expect(sessions.size).toBe(2);
  });

  it('ends the responses open under a sign-in when it is revoked, and forgets closed ones', () => {
    const sessions = new AuthSessions();
    const id = sessions.create();
    const other = sessions.create();
    const [open, closed, elsewhere] = [new FakeResponse(), new FakeResponse(), new FakeResponse()];
    sessions.track(id, open);
    sessions.track(id, closed);
    sessions.track(other, elsewhere);
    closed.emit('close');
    closed.destroyed = false;

    sessions.revoke(id);

    expect(open.destroyed).toBe(true);
    expect(closed.destroyed).toBe(false);
    expect(elsewhere.destroyed).toBe(false);
  });

  describe('expiry of a sign-in with open responses', () => {
    afterEach(() => vi.useRealTimers());

    it('ends the responses open under a sign-in when it expires, with no request to notice', () => {
      vi.useFakeTimers({ now: 0 });
      const sessions = new AuthSessions({ ttlMs: 1000, timers: { setTimeout, clearTimeout } });
      const id = sessions.create();
      const [stream, other] = [new FakeResponse(), new FakeResponse()];
      sessions.track(id, stream);
      vi.advanceTimersByTime(500);
      const later = sessions.create();
      sessions.track(later, other);

      vi.advanceTimersByTime(499);
      const before = stream.destroyed;
      vi.advanceTimersByTime(1);

      expect([before, stream.destroyed, other.destroyed]).toEqual([false, true, false]);
      expect(sessions.isValid(id)).toBe(false);
      expect(vi.getTimerCount()).toBe(1);
    });

    it('keeps no timer once a sign-in is revoked', () => {
      vi.useFakeTimers({ now: 0 });
      const sessions = new AuthSessions({ ttlMs: 1000, timers: { setTimeout, clearTimeout } });
      const id = sessions.create();
      sessions.track(id, new FakeResponse());
      sessions.revoke(id);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
