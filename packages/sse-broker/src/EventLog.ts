/** One published event with its frame encoded once, ready to be written to any stream. */
export interface LoggedEvent {
  readonly id: string;
  readonly event: string;
  readonly data: string;
  /** The encoded frame (`id:`, `event:`, `data:` lines and the blank line). */
  readonly frame: Buffer;
}

/**
 * Where recent events are kept for clients that resume by id.
 * An implementation assigns ids; they are opaque strings to everyone else.
 */
export interface EventLog {
  /** Assigns the next id, encodes the frame once, keeps the event and returns it. */
  append(event: string, data: string): LoggedEvent;
  /**
   * The events after `id`, oldest first (empty when `id` is the newest).
   * `undefined` when `id` is unknown or older than the replay window: the client needs a snapshot.
   */
  after(id: string): readonly LoggedEvent[] | undefined;
  /** The id of the newest event; before any event, an id that stands for the empty start. */
  readonly lastId: string;
  /** How many events are kept now. */
  readonly size: number;
}
