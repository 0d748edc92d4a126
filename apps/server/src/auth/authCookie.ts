import type { Request } from 'express';

/** The cookie `POST /api/auth/login` sets; it holds a sign-in id, never the token. */
export const AUTH_COOKIE = 'sessionboard_auth';

/** The value of cookie `name` in the request's `Cookie` header, if any. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    const value = pair.slice(eq + 1).trim();
    return value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value;
  }
  return undefined;
}

/**
 * The `Set-Cookie` value for a sign-in: `HttpOnly` (no script reads it), `SameSite=Strict`
 * (no other site's page sends it), `Path=/` (the stream and `/metrics` too), and `Secure`
 * when the request came over HTTPS. `id` empty and `maxAgeS` 0 clear it.
 */
export function authCookie(id: string, options: { maxAgeS: number; secure: boolean }): string {
  const parts = [`${AUTH_COOKIE}=${id}`, 'Path=/', `Max-Age=${options.maxAgeS}`, 'HttpOnly', 'SameSite=Strict'];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}
