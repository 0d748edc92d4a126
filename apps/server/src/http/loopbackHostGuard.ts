import type { RequestHandler } from 'express';
import { HttpError } from './HttpError.ts';
import { isLoopbackHost } from './isLoopbackHost.ts';

/**
 * For a server without `AUTH_TOKEN` (so listening on loopback): refuses (403 `forbidden`)
 * a request whose `Host` is not a loopback name or address. A page of any site can point its
 * own name at 127.0.0.1 (DNS rebinding) and then call this API as its "own origin"; the
 * `Host` it sends still names that site, so this is what tells the two apart.
 */
export function loopbackHostGuard(): RequestHandler {
  return (req, _res, next) => {
    const message = foreignHostMessage(req.headers.host);
    if (message !== undefined) throw new HttpError(403, 'forbidden', message);
    next();
  };
}

/** Why a server without a token refuses a request with this `Host`; undefined when it is loopback. */
export function foreignHostMessage(host: string | undefined): string | undefined {
  if (isLoopbackHostHeader(host)) return undefined;
  return `This server has no AUTH_TOKEN, so it answers only to localhost, 127.0.0.1 or [::1] (got Host: ${host}). Open it by one of those, or set AUTH_TOKEN.`;
}

/** True when a `Host` header names a loopback host, or is absent (HTTP/1.0). */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  return host === undefined || isLoopbackHost(hostname(host));
}

function hostname(host: string): string {
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return host;
  }
}
