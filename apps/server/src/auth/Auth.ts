import type { Request, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { AttemptLimiter, type AttemptCount, type AttemptCounter } from './AttemptLimiter.ts';
import { AUTH_COOKIE, readCookie } from './authCookie.ts';
import { AuthSessions } from './AuthSessions.ts';
import { HttpError } from '../http/HttpError.ts';
import { tokenMatches } from './tokenMatches.ts';

/** Sign-in attempts (and requests with a wrong bearer token) per client address and minute. */
export const SIGN_IN_ATTEMPTS_PER_MINUTE = 10;

/**
 * How sign-ins are shared by the instances of a cluster, so that a cookie from one works
 * on all and logout on one revokes it everywhere.
 */
export interface SharedSignIns {
  /** Makes sign-in `id`, just made here, valid on every instance. @throws when it cannot be shared now */
  share(id: string): Promise<void>;
  /** Revokes sign-in `id` (already revoked here) on every instance. */
  revoke(id: string): Promise<void>;
  /** For an id unknown here: true, and taken in, when another instance made it and it is valid. */
  adopt(id: string): Promise<boolean>;
}

/** What authorises a request: the token, the cookie sign-ins, and the attempt limit. */
export interface Auth {
  /** `AUTH_TOKEN`; undefined turns auth off. */
  token: string | undefined;
  sessions: AuthSessions;
  /** In a cluster, shared by its instances. */
  attempts: AttemptCounter;
  /** Set in a cluster. */
  shared?: SharedSignIns;
}

export interface AuthOptions {
  sessions?: AuthSessions;
  /** @default {@link SIGN_IN_ATTEMPTS_PER_MINUTE} a minute */
  attempts?: AttemptLimiter;
}

export function createAuth(token: string | undefined, options: AuthOptions = {}): Auth {
  return {
    token,
    sessions: options.sessions ?? new AuthSessions(),
    attempts: options.attempts ?? new AttemptLimiter({ limit: SIGN_IN_ATTEMPTS_PER_MINUTE }),
  };
}

/**
 * {@link verifyRequest}, and in a cluster, for a cookie unknown here, whether another
 * instance signed it in (then it is valid here too from now on). Synchronous unless the
 * cluster must be asked.
 */
export function verifyRequestShared(auth: Auth, req: Request): AuthVerdict | Promise<AuthVerdict> {
  const verdict = verifyRequest(auth, req);
  if (verdict.ok || verdict.reason !== 'signed_out' || auth.shared === undefined) return verdict;
  const id = readCookie(req, AUTH_COOKIE) as string;
  return auth.shared.adopt(id).then((adopted) => (adopted ? { ok: true, signInId: id } : verdict));
}

/** How a request stands, by its `Authorization` header, else its cookie. */
export type AuthVerdict =
  | { ok: true; signInId: string | null }
  | { ok: false; reason: 'missing' | 'wrong_token' | 'signed_out' };

const BEARER = /^Bearer +(\S+) *$/i;

/** Checks a request's credentials without side effects. Always ok when auth is off. */
export function verifyRequest(auth: Auth, req: Request): AuthVerdict {
  if (auth.token === undefined) return { ok: true, signInId: null };
  const header = req.headers.authorization;
  if (header !== undefined) {
    // A request that names a token is judged by it alone, whatever cookie it carries.
    const given = BEARER.exec(header)?.[1];
    return given !== undefined && tokenMatches(auth.token, given) ? { ok: true, signInId: null } : { ok: false, reason: 'wrong_token' };
  }
  const id = readCookie(req, AUTH_COOKIE);
  if (id === undefined || id === '') return { ok: false, reason: 'missing' };
  return auth.sessions.isValid(id) ? { ok: true, signInId: id } : { ok: false, reason: 'signed_out' };
}

/** The key attempts are counted by: the client address (IPv6 by its /56, as the API limit does). */
export function attemptKey(req: Request): string {
  return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? '');
}

/** The message and headers (`Retry-After`, draft-8 `RateLimit`) of a 429 for attempts over the limit. */
export function attemptRefusal(auth: Auth, count: AttemptCount): { message: string; headers: Record<string, string> } {
  const seconds = Math.max(1, Math.ceil(count.resetMs / 1000));
  return {
    message: `More than ${auth.attempts.limit} sign-in attempts or wrong tokens a minute from your address; wait ${seconds} s (Retry-After).`,
    headers: {
      'Retry-After': String(seconds),
      'RateLimit-Policy': `"sign-in"; q=${auth.attempts.limit}; w=${Math.round(auth.attempts.windowMs / 1000)}`,
      RateLimit: `"sign-in"; r=0; t=${seconds}`,
    },
  };
}

/** Answers 429 `rate_limited` with `Retry-After` and the draft-8 `RateLimit` headers. */
export function refuseAttempt(res: Response, auth: Auth, count: AttemptCount): never {
  const { message, headers } = attemptRefusal(auth, count);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  throw new HttpError(429, 'rate_limited', message);
}

/** Answers 401 `unauthorized` with `WWW-Authenticate: Bearer`. */
export function refuseUnauthorised(res: Response, message: string): never {
  res.setHeader('WWW-Authenticate', 'Bearer realm="sessionboard"');
  throw new HttpError(401, 'unauthorized', message);
}
