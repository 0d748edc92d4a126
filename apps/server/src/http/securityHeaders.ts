import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Helmet's headers on every response (pages, JSON, errors, the stream) with a
 * Content-Security-Policy the built dashboard runs under: its own scripts, styles,
 * connections and images only (plus `data:` images), no inline script or style, no plugins,
 * and no framing. Neither HSTS nor upgrade-insecure-requests: it is often served over plain
 * HTTP on a LAN address, where pinning HTTPS would break it.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
      },
    },
    strictTransportSecurity: false,
    xFrameOptions: { action: 'deny' },
  });
}
