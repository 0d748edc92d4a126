/** One change of this instance waiting to be written to Redis. */
export interface OutboxItem {
  /** Increases by one per item for the life of the process: Redis skips an item it has applied. */
  readonly seq: number;
  readonly event: string;
  readonly data: string;
  /** The session the event changes in the registry, if any. */
  readonly sessionId: string | undefined;
  /** Its state after the change, as JSON (the registry's value). */
  readonly sessionJson: string | undefined;
}

/**
 * This instance's changes, in the order they happened, until Redis has applied them. While
 * Redis is unreachable they wait here, and are written in order when it is back; sending an
 * item twice is harmless, since Redis remembers the last `seq` it applied for this process.
 */
export class Outbox {
  #items: OutboxItem[] = [];
  #nextSeq = 1;
  readonly #pending = new Map<string, number>();

  /** Queues a change; returns it with its `seq`. */
  push(event: string, data: string, session?: { id: string; json: string }): OutboxItem {
    const item: OutboxItem = { seq: this.#nextSeq++, event, data, sessionId: session?.id, sessionJson: session?.json };
    this.#items.push(item);
    if (item.sessionId !== undefined) this.#pending.set(item.sessionId, (this.#pending.get(item.sessionId) ?? 0) + 1);
    return item;
  }

  /** Items waiting. */
  get size(): number {
    return this.#items.length;
  }

  /** The `seq` of the newest item ever pushed (0 before the first). */
  get lastSeq(): number {
    return this.#nextSeq - 1;
  }

  /** The oldest `max` items waiting, oldest first. */
  head(max: number): readonly OutboxItem[] {
    return this.#items.slice(0, max);
  }

  /** Drops every item up to and including `seq`: Redis has applied (or skipped) them. */
  ack(seq: number): void {
    let count = 0;
    while (count < this.#items.length && (this.#items[count] as OutboxItem).seq <= seq) count++;
    for (const item of this.#items.splice(0, count)) this.#release(item);
  }

  /** Drops every item (the Redis they were meant for lost its data; the instance republishes its state instead). */
  clear(): void {
    this.#items = [];
    this.#pending.clear();
  }

  /** True while a change of session `id` waits to be written. */
  hasPending(id: string): boolean {
    return this.#pending.has(id);
  }

  #release(item: OutboxItem): void {
    if (item.sessionId === undefined) return;
    const left = (this.#pending.get(item.sessionId) ?? 1) - 1;
    if (left === 0) this.#pending.delete(item.sessionId);
    else this.#pending.set(item.sessionId, left);
  }
}
