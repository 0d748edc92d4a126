import type { AuthStatusResponse } from '@sessionboard/protocol';
import { Router } from 'express';
import { attemptKey, refuseAttempt, refuseUnauthorised, verifyRequestShared, type Auth } from './Auth.ts';
import { AUTH_COOKIE, authCookie, readCookie } from './authCookie.ts';
import { HttpError } from '../http/HttpError.ts';
import { tokenMatches } from './tokenMatches.ts';

/**
 * `/auth` routes of the API, open without credentials:
 * - `POST /login` `{"token"}`: 204 and the sign-in cookie; 401 for a wrong token; every
 *   attempt counts against the per-address sign-in limit (429 past it).
 * - `POST /logout`: 204, clears the cookie and revokes its sign-in (open streams end).
 * - `GET /status`: `{"authRequired", "authenticated"}`, so a dashboard knows to ask for a token.
 */
export function authRouter(auth: Auth): Router {
  const router = Router();

  router.get('/status', async (req, res) => {
    const body: AuthStatusResponse = { authRequired: auth.token !== undefined, authenticated: (await verifyRequestShared(auth, req)).ok };
    res.json(body);
  });

  router.post('/login', async (req, res) => {
    if (auth.token === undefined) {
      throw new HttpError(404, 'not_found', 'This server has no AUTH_TOKEN, so there is nothing to sign in to.');
    }
    const count = await auth.attempts.consume(attemptKey(req));
    if (!count.allowed) refuseAttempt(res, auth, count);
    const token: unknown = (req.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token === '') {
      const message = 'token must be a non-empty string: the body is {"token": "<AUTH_TOKEN>"}';
      throw new HttpError(400, 'invalid_body', `Invalid sign-in request: ${message}.`, [{ field: 'token', message }]);
    }
    if (!tokenMatches(auth.token, token)) refuseUnauthorised(res, 'That is not this server\'s AUTH_TOKEN.');
    const id = auth.sessions.create();
    if (auth.shared !== undefined) {
      try {
        await auth.shared.share(id);
      } catch {
        auth.sessions.revoke(id);
        throw new HttpError(503, 'unavailable', 'Signing in needs Redis, which the instances of this cluster share, and it is out of reach; try again shortly.', undefined, { retryAfterS: 5 });
      }
    }
    res.setHeader('Set-Cookie', authCookie(id, { maxAgeS: Math.floor(auth.sessions.ttlMs / 1000), secure: req.secure }));
    res.status(204).end();
  });

  router.post('/logout', async (req, res) => {
    const id = readCookie(req, AUTH_COOKIE);
    if (id !== undefined && id !== '') {
      auth.sessions.revoke(id);
      // In a cluster the others are told too (later, should Redis be out of reach now).
      await auth.shared?.revoke(id);
    }
    res.setHeader('Set-Cookie', authCookie('', { maxAgeS: 0, secure: req.secure }));
    res.status(204).end();
  });

  return router;
}
