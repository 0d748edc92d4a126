import type { RequestHandler } from 'express';
import { attemptKey, refuseAttempt, refuseUnauthorised, verifyRequestShared, type Auth } from './Auth.ts';

const MESSAGES = {
  missing: 'Sign in first: send "Authorization: Bearer <AUTH_TOKEN>", or sign in with POST /api/auth/login.',
  wrong_token: 'The bearer token is not this server\'s AUTH_TOKEN.',
  signed_out: 'Your sign-in has ended (signed out, expired, or the server restarted); sign in again.',
} as const;

/**
 * Lets a request through when auth is off or it carries the token or a live sign-in cookie;
 * otherwise 401 `unauthorized`. Wrong bearer tokens count as sign-in attempts: past the
 * limit, an address gets 429 before its token is even compared, so the stream (exempt from
 * the API rate limit) cannot be used to guess the token. A response allowed by a cookie
 * ends when that sign-in is revoked.
 */
export function requireAuth(auth: Auth): RequestHandler {
  return async (req, res, next) => {
    if (auth.token === undefined) {
      next();
      return;
    }
    const key = attemptKey(req);
    if (req.headers.authorization !== undefined) {
      const count = await auth.attempts.peek(key);
      if (!count.allowed) refuseAttempt(res, auth, count);
    }
    const verdict = await verifyRequestShared(auth, req);
    if (verdict.ok) {
      if (verdict.signInId !== null) auth.sessions.track(verdict.signInId, res);
      next();
      return;
    }
    if (verdict.reason === 'wrong_token') await auth.attempts.consume(key);
    refuseUnauthorised(res, MESSAGES[verdict.reason]);
  };
}
