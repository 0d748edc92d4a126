/** One published event with its frame encoded once, ready to be written to any stream. */
export interface LoggedEvent {
  readonly id: string;
  readonly event: string;
  readonly data: string;
  /** The encoded frame (`id:`, `event:`, `data:` lines and the blank line). */
  readonly frame: Buffer;
}

/** What a shared log tells the broker that uses it (see {@link EventLog.listen}). */
export interface EventLogListener {
  /** An event the log has taken in, in log order (its own or another server's): fan it out. */
  event(event: LoggedEvent): void;
  /**
   * The log was rebuilt (its store lost or skipped events): end every open stream, so that
   * each client resumes by id, exactly or from a snapshot. New streams are still accepted.
   */
  reset(): void;
}

/**
 * Where recent events are kept for clients that resume by id.
 * An implementation assigns ids; they are opaque strings to everyone else.
 */
export interface EventLog {
  /**
   * Takes in a new event. A log that orders events itself (in memory) assigns the next id,
   * encodes the frame once, keeps the event and returns it; the broker fans it out at once.
   * A shared log, whose order is decided elsewhere (several servers on one store), returns
   * undefined and hands the event to its listener once it comes back in the shared order.
   */
  append(event: string, data: string): LoggedEvent | undefined;
  /**
   * The events after `id`, oldest first (empty when `id` is the newest).
   * `undefined` when `id` is unknown or older than the replay window: the client needs a snapshot.
   */
  after(id: string): readonly LoggedEvent[] | undefined;
  /** The id of the newest event; before any event, an id that stands for the empty start. */
  readonly lastId: string;
  /** How many events are kept now. */
  readonly size: number;
  /**
   * Only on a shared log: called once by the broker that uses it, with where to hand each
   * event the log takes in. Events must be handed over synchronously with the change of
   * `lastId`, so that a snapshot and its id always agree.
   */
  listen?(listener: EventLogListener): void;
}
