import type { Session, SessionChangeEventName } from '@sessionboard/protocol';

/**
 * The local mirror of the cluster's session registry (the Redis hash id → session): loaded
 * together with the stream's last entry, then changed by each change event the tail reads,
 * in stream order. So at any moment it is exactly the state after the log's `lastId`, on
 * every instance alike. Sessions are treated as read-only by whoever reads them here.
 */
export class SessionRegistry {
  readonly #sessions = new Map<string, Session>();
  /** `list()`'s answer until the next change. */
  #sorted: Session[] | undefined;

  /** Applies one change event: created and updated set the session, removed deletes it. */
  apply(name: SessionChangeEventName, session: Session): void {
    if (name === 'session_removed') this.#sessions.delete(session.id);
    else this.#sessions.set(session.id, session);
    this.#sorted = undefined;
  }

  /** Replaces everything with what was loaded. */
  reset(sessions: Iterable<Session>): void {
    this.#sessions.clear();
    for (const session of sessions) this.#sessions.set(session.id, session);
    this.#sorted = undefined;
  }

  get(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  get size(): number {
    return this.#sessions.size;
  }

  /**
   * Every session, oldest first (by `createdAt`, then id), so that every instance lists
   * them in the same order however it learned of them.
   */
  list(): Session[] {
    this.#sorted ??= [...this.#sessions.values()].sort(
      (a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    return this.#sorted;
  }

  values(): IterableIterator<Session> {
    return this.#sessions.values();
  }
}
