import type { Session } from '@sessionboard/protocol';
import { isLiveStatus } from '@sessionboard/protocol';

/** What {@link reconcileSessions} compares. */
export interface ReconcileInput {
  /** This instance's name. */
  self: string;
  /** This instance's sessions, as its manager knows them: the truth about its processes. */
  local: Iterable<Session>;
  /** The cluster's registry, as mirrored now. */
  registry: { get(id: string): Session | undefined; values(): Iterable<Session> };
  /** True for a session with a change still on its way to Redis: left alone, the change will tell. */
  pending: (id: string) => boolean;
  /** Redis lost its data (a new epoch): every local session is published afresh. */
  fresh: boolean;
  /** ISO time to stamp on sessions marked lost. */
  at: string;
}

/** One step that brings the registry and this instance's sessions back in line. */
export type Correction =
  | { type: 'publish'; name: 'session_created' | 'session_updated'; session: Session }
  /** Forget an ended local session: it was removed from the cluster meanwhile. */
  | { type: 'forget'; id: string };

/**
 * After Redis comes back (with its data or empty), or after this instance was judged dead
 * and is heard again, the instance that runs a process is the authority on its session:
 * - a local session missing from the registry is published (`session_created`) when it is
 *   live or Redis lost its data, and otherwise forgotten (someone removed it);
 * - a local session the registry holds in another state (marked `lost`, or a state older
 *   than Redis lost) is published as it really is (`session_updated`);
 * - a live session the registry gives this instance but the instance does not run (a
 *   previous run under the same name, killed) is marked `lost`.
 */
export function reconcileSessions(input: ReconcileInput): Correction[] {
  const corrections: Correction[] = [];
  const localIds = new Set<string>();
  for (const session of input.local) {
    localIds.add(session.id);
    if (input.pending(session.id)) continue;
    const held = input.registry.get(session.id);
    if (held === undefined) {
      if (input.fresh || isLiveStatus(session.status)) corrections.push({ type: 'publish', name: 'session_created', session });
      else corrections.push({ type: 'forget', id: session.id });
    } else if (!sameSession(held, session)) {
      corrections.push({ type: 'publish', name: 'session_updated', session });
    }
  }
  for (const held of input.registry.values()) {
    if (held.instance !== input.self || localIds.has(held.id) || !isLiveStatus(held.status) || input.pending(held.id)) continue;
    corrections.push({ type: 'publish', name: 'session_updated', session: asLost(held, input.at) });
  }
  return corrections;
}

/** `session` as its instance's death leaves it: `lost`, ended at `at`. */
export function asLost(session: Session, at: string): Session {
  return { ...session, status: 'lost', updatedAt: at, endedAt: at };
}

const FIELDS = ['id', 'name', 'cwd', 'status', 'instance', 'pid', 'exitCode', 'signal', 'error', 'createdAt', 'updatedAt', 'endedAt'] as const;

/** Field by field, whatever the key order of the JSON each came from. */
export function sameSession(a: Session, b: Session): boolean {
  return FIELDS.every((field) => a[field] === b[field]) && a.command.length === b.command.length && a.command.every((arg, i) => arg === b.command[i]);
}
