import { fileURLToPath } from 'node:url';

/** The monorepo's root directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The built server that every e2e run starts (`pnpm build` makes it); `E2E_SERVER_ENTRY` overrides. */
export const SERVER_ENTRY =
  process.env.E2E_SERVER_ENTRY ?? fileURLToPath(new URL('../../apps/server/dist/main.js', import.meta.url));

/** The built dashboard the server serves at `/` (not checked with `E2E_SERVER_ENTRY`). */
export const WEB_INDEX =
  process.env.E2E_SERVER_ENTRY === undefined
    ? fileURLToPath(new URL('../../apps/web/dist/index.html', import.meta.url))
    : null;
