/** Where a peer listens: `HOST` (default 127.0.0.1) and `PORT` (required), as Sessionboard reads them. */
export function peerAddress(env: NodeJS.ProcessEnv = process.env): { host: string; port: number } {
  const port = Number(env.PORT);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error(`PORT must be a port number, got ${env.PORT}`);
  return { host: env.HOST ?? '127.0.0.1', port };
}

/** The heartbeat interval every peer uses, Sessionboard's default (`SSE_HEARTBEAT_MS`). */
export const PEER_HEARTBEAT_MS = Number(process.env.SSE_HEARTBEAT_MS ?? 30_000);
