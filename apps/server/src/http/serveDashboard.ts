import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/**
 * Where `apps/web` builds to. This source file sits in `apps/server/src/http/`, three levels
 * below `apps/`; the bundle (`apps/server/dist/main.js`), two. Both find the same folder.
 */
export const DEFAULT_WEB_ROOT = fileURLToPath(
  new URL(import.meta.url.includes('/src/http/') ? '../../../web/dist/' : '../../web/dist/', import.meta.url),
);

const NOT_BUILT = `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Sessionboard</title>
<body><h1>Sessionboard</h1>
<p>The dashboard has not been built. Run <code>pnpm build</code>, then reload.
The API is up at <a href="/api/health">/api/health</a>.</p></body></html>
`;

/**
 * Serves the built dashboard, falling back to its `index.html` for any other GET (the SPA
 * routes); when it has not been built, a short page says how to build it.
 */
export function serveDashboard(webRoot: string): Router {
  const router = Router();
  const index = join(webRoot, 'index.html');
  router.use(express.static(webRoot, { index: 'index.html' }));
  router.get('/{*rest}', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    if (existsSync(index)) res.sendFile(index);
    else res.type('html').send(NOT_BUILT);
  });
  return router;
}
