import { encodeFrame } from './encodeFrame.ts';
import type { EventLog, LoggedEvent } from './EventLog.ts';

/** Options of {@link MemoryEventLog}. */
export interface MemoryEventLogOptions {
  /** How many recent events stay available for resuming. @default 1000 */
  capacity?: number;
  /**
   * Prefix of every id, unique to this log, so that an id from an earlier run of the server
   * is unknown (snapshot) rather than mistaken for one of this run.
   * @default the start time in base 36 and a random suffix
   */
  epoch?: string;
}

/**
 * A ring buffer of the last `capacity` events. Ids are `<epoch>-<sequence>`; finding the
 * events after an id is arithmetic on the sequence, not a search.
 */
export class MemoryEventLog implements EventLog {
  readonly #capacity: number;
  readonly #epoch: string;
  readonly #ring: (LoggedEvent | undefined)[];
  /** Sequence number of the newest event; 0 before the first. */
  #seq = 0;

  constructor(options: MemoryEventLogOptions = {}) {
    const capacity = options.capacity ?? 1000;
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new RangeError(`capacity must be a non-negative integer, got ${capacity}`);
    }
    this.#capacity = capacity;
    this.#epoch = options.epoch ?? `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    if (!/^[A-Za-z0-9_]+$/.test(this.#epoch)) throw new TypeError('epoch must be alphanumeric');
    this.#ring = new Array<LoggedEvent | undefined>(capacity);
  }

  get lastId(): string {
    return `${this.#epoch}-${this.#seq}`;
  }

  get size(): number {
    return Math.min(this.#seq, this.#capacity);
  }

  append(event: string, data: string): LoggedEvent {
    const id = `${this.#epoch}-${this.#seq + 1}`;
    const logged: LoggedEvent = { id, event, data, frame: Buffer.from(encodeFrame({ id, event, data })) };
    this.#seq += 1;
    if (this.#capacity > 0) this.#ring[this.#seq % this.#capacity] = logged;
    return logged;
  }

  after(id: string): readonly LoggedEvent[] | undefined {
    const seq = this.#parse(id);
    if (seq === undefined || seq > this.#seq) return undefined;
    // Events seq+1 .. #seq must all still be in the ring.
    if (this.#seq - seq > this.#capacity) return undefined;
    const events: LoggedEvent[] = [];
    for (let s = seq + 1; s <= this.#seq; s++) events.push(this.#ring[s % this.#capacity] as LoggedEvent);
    return events;
  }

  #parse(id: string): number | undefined {
    const dash = id.lastIndexOf('-');
    if (dash < 0 || id.slice(0, dash) !== this.#epoch) return undefined;
    const digits = id.slice(dash + 1);
    if (!/^(0|[1-9][0-9]{0,15})$/.test(digits)) return undefined;
    const seq = Number(digits);
    return Number.isSafeInteger(seq) ? seq : undefined;
  }
}
