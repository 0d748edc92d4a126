/** Every state a session can be in, in lifecycle order. */
export const SESSION_STATUSES = ['running', 'stopping', 'exited', 'failed', 'lost'] as const;

/**
 * `running` → (`stopping` →) `exited`; or `failed` when the process could not start; or
 * `lost` when the instance that ran it died and its fate cannot be known (see Cluster).
 */
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** A real operating-system process started by the server (argv, no shell). */
export interface Session {
  /** Opaque, URL-safe, unique for the server's lifetime. */
  id: string;
  /** 1..100 chars; defaults to the command's basename. */
  name: string;
  /** argv, 1..64 items, each 1..4096 chars. */
  command: string[];
  /** Absolute path the process runs in. */
  cwd: string;
  status: SessionStatus;
  /** The name of the server instance that runs the process (`INSTANCE_NAME`). */
  instance: string;
  /** Never null while `running`. */
  pid: number | null;
  /** Set when the process exited by itself. */
  exitCode: number | null;
  /** E.g. `"SIGTERM"` when the process was ended by a signal. */
  signal: string | null;
  /** Why it failed to start, e.g. `"spawn nope ENOENT"`. */
  error: string | null;
  /** ISO-8601, UTC. */
  createdAt: string;
  /** ISO-8601, UTC. */
  updatedAt: string;
  /** ISO-8601, UTC; null while the process lives. */
  endedAt: string | null;
}

/** True for the states in which the process may still be alive. */
export function isLiveStatus(status: SessionStatus): boolean {
  return status === 'running' || status === 'stopping';
}

/** True for the states a session never leaves: `exited`, `failed` and `lost`. */
export function isEndedStatus(status: SessionStatus): boolean {
  return !isLiveStatus(status);
}
