import { existsSync } from 'node:fs';
import { SERVER_ENTRY, WEB_INDEX } from './paths.ts';

/** Fails the run at once, with the fix, when the build the tests start is missing. */
export default function globalSetup(): void {
  const missing = [SERVER_ENTRY, WEB_INDEX].filter((file) => file !== null && !existsSync(file));
  if (missing.length > 0) {
    throw new Error(`e2e: missing ${missing.join(' and ')}: run \`pnpm build\` first`);
  }
}
