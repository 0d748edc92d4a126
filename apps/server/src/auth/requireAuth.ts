import type { RequestHandler } from 'express';
import { HttpError } from '../http/HttpError.ts';
import { authorize } from './authorize.ts';
import type { Auth } from './Auth.ts';

/**
 * Lets a request through when {@link authorize} does, else answers its 401 or 429 with its
 * headers. A response allowed by a cookie ends when that sign-in is revoked or expires.
 */
export function requireAuth(auth: Auth): RequestHandler {
  return async (req, res, next) => {
    const verdict = await authorize(auth, req);
    if (verdict.ok) {
      if (verdict.signInId !== null) auth.sessions.track(verdict.signInId, res);
      next();
      return;
    }
    for (const [name, value] of Object.entries(verdict.headers)) res.setHeader(name, value);
    throw new HttpError(verdict.status, verdict.code, verdict.message);
  };
}
