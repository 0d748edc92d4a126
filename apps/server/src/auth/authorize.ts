import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import type { AttemptCount } from './AttemptLimiter.ts';
import { attemptKey, attemptRefusal, verifyRequest, verifyRequestShared, type Auth, type AuthVerdict } from './Auth.ts';

const MESSAGES = {
  missing: 'Sign in first: send "Authorization: Bearer <AUTH_TOKEN>", or sign in with POST /api/auth/login.',
  wrong_token: 'The bearer token is not this server\'s AUTH_TOKEN.',
  signed_out: 'Your sign-in has ended (signed out, expired, or the server restarted); sign in again.',
} as const;

/** How a request stands with auth: let through (by a sign-in or not), or refused and how to say so. */
export type Authorization =
  | { ok: true; signInId: string | null }
  | { ok: false; status: 401 | 429; code: 'unauthorized' | 'rate_limited'; message: string; headers: Record<string, string> };

const ANONYMOUS: Authorization = { ok: true, signInId: null };

/**
 * The one auth decision, for the Express chain and the stream's fast path alike. Lets a
 * request through when auth is off or it carries the token or a live sign-in cookie;
 * otherwise 401 `unauthorized` with `WWW-Authenticate: Bearer`. Wrong bearer tokens count as
 * sign-in attempts (the only side effect): past the limit, an address gets 429 `rate_limited`
 * before its token is even compared, so the stream (exempt from the API rate limit) cannot be
 * used to guess the token.
 *
 * Synchronous whenever everything it needs is in this process; a promise when a cluster's
 * Redis must be asked (the shared attempt count, or a cookie another instance signed in).
 */
export function authorize(auth: Auth, req: IncomingMessage): Authorization | Promise<Authorization> {
  if (auth.token === undefined) return ANONYMOUS;
  const request = req as Request;
  const key = attemptKey(request);
  if (req.headers.authorization !== undefined) {
    const count = auth.attempts.peek(key);
    return count instanceof Promise ? count.then((known) => byBearer(auth, request, key, known)) : byBearer(auth, request, key, count);
  }
  // A cookie unknown here may be a sign-in another instance of the cluster made.
  const verdict = verifyRequestShared(auth, request);
  return verdict instanceof Promise ? verdict.then(refuseUnless) : refuseUnless(verdict);
}

function byBearer(auth: Auth, req: Request, key: string, count: AttemptCount): Authorization | Promise<Authorization> {
  if (!count.allowed) return { ok: false, status: 429, code: 'rate_limited', ...attemptRefusal(auth, count) };
  const verdict = verifyRequest(auth, req);
  if (verdict.ok) return verdict;
  const consumed = auth.attempts.consume(key);
  return consumed instanceof Promise ? consumed.then(() => refuseUnless(verdict)) : refuseUnless(verdict);
}

function refuseUnless(verdict: AuthVerdict): Authorization {
  if (verdict.ok) return verdict;
  return {
    ok: false,
    status: 401,
    code: 'unauthorized',
    message: MESSAGES[verdict.reason],
    headers: { 'WWW-Authenticate': 'Bearer realm="sessionboard"' },
  };
}
