import type { RequestHandler } from 'express';
import { HttpError } from './HttpError.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses (403 `forbidden`) a state-changing request sent by a page of another origin, in
 * case a browser sends the cookie with it after all (an old browser without `SameSite`, a
 * sibling subdomain). Like Go's `CrossOriginProtection`: `Sec-Fetch-Site: same-origin` or
 * `none` passes; an origin in `CORS_ORIGINS` passes; any other `Sec-Fetch-Site` is refused;
 * without it, an `Origin` whose host is not the request's `Host` is refused. A request with
 * neither header (curl, scripts) is no browser's and passes.
 */
export function crossOriginGuard(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    if (site === 'same-origin' || site === 'none' || (origin !== undefined && allowed.has(origin))) {
      next();
      return;
    }
    if (site !== undefined || (origin !== undefined && hostOf(origin) !== req.headers.host?.toLowerCase())) {
      throw new HttpError(
        403,
        'forbidden',
        `Cross-origin ${req.method} refused: ${origin ?? 'another site'} is not this server's origin nor in CORS_ORIGINS.`,
      );
    }
    next();
  };
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
