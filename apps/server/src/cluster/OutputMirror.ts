import type { Session } from '@sessionboard/protocol';
import { isLiveStatus } from '@sessionboard/protocol';
import { OutputBuffer } from '../output/OutputBuffer.ts';
import type { OutputRead, OutputSource } from '../output/OutputSource.ts';
import { appendRawRead } from '../output/readRawWindow.ts';
import type { ReadMemo } from '../output/readWindow.ts';
import type { OutputEntry } from './outputEntry.ts';
import { withTimeout } from './withTimeout.ts';

/** Access to the sessions' output copies in Redis, for {@link OutputMirror}. */
export interface OutputCopyReader {
  /** Entries of session `id`'s copy after the entry `afterId` (undefined: from the oldest), oldest first, at most `count`. */
  entries(id: string, afterId: string | undefined, count: number): Promise<OutputEntry[]>;
  /** Calls `listener` whenever the copy of `id` is written to; resolves once that is so. */
  subscribe(id: string, listener: () => void): Promise<void>;
  unsubscribe(id: string): void;
}

/** Options of {@link OutputMirror}. */
export interface OutputMirrorOptions {
  /** The session's id. */
  id: string;
  /** Bytes kept (`SESSIONS_OUTPUT_BYTES`), as on the instance that runs it. */
  capacity: number;
  copies: OutputCopyReader;
  /** The session as the cluster holds it now; undefined once removed. */
  session: () => Session | undefined;
  /** Whether instance `name` has been judged dead (silent for `INSTANCE_TTL_MS`). */
  isDead: (name: string) => boolean;
  /** How long waking (subscribing and reading the copy) may take before a read fails, in ms. @default 3000 */
  wakeTimeoutMs?: number;
  /**
   * An ended session whose copy has no end mark yet counts as complete this long after it
   * ended, in ms: the end mark of an instance that went away, or that does not run it any more
   * (restarted under the same name), never comes; a live instance writes it within about a
   * second of the end. @default 10000
   */
  completeAfterMs?: number;
  /** Epoch ms. @default Date.now */
  now?: () => number;
}

/** Entries read per round trip. */
const PAGE = 256;

/**
 * A session's output read on an instance that does not run it: a local copy, in an
 * {@link OutputBuffer} of the same capacity, of the copy the owner carries into Redis
 * (`OutputCarrier`). So it reads the same chunks at the same offsets as the owner, for
 * followers and pollers alike. It wakes at the first read (subscribes to the copy's channel,
 * then reads the copy), follows each write while awake, and sleeps (drops its bytes and
 * unsubscribes) when {@link sleep} is called for lack of readers.
 *
 * The output counts as complete at the end mark; or when the session is `lost` (its
 * instance died: the copy is all there will ever be); or when it has ended and its end mark
 * will not come (its instance judged dead) or is overdue (`completeAfterMs` past the end).
 */
export class OutputMirror implements OutputSource {
  readonly id: string;
  readonly #options: OutputMirrorOptions;
  readonly #copies: OutputCopyReader;
  readonly #now: () => number;
  readonly #listeners = new Set<() => void>();
  #buffer: OutputBuffer | undefined;
  #lastId: string | undefined;
  #complete = false;
  #removed = false;
  /** Where the copy ended when the session was removed. */
  #removedEnd = 0;
  #subscribed = false;
  #waking: Promise<void> | undefined;
  #pulling: Promise<void> | undefined;
  #pullAgain = false;
  /** Bumped by each sleep: a read of the copy begun before it is dropped. */
  #generation = 0;
  #lastUsed: number;
  /** Whether the output counted as complete at the last notice, to notice a change. */
  #endedKnown = false;

  constructor(options: OutputMirrorOptions) {
    this.id = options.id;
    this.#options = options;
    this.#copies = options.copies;
    this.#now = options.now ?? Date.now;
    this.#lastUsed = this.#now();
  }

  /** Holds a copy and follows the writes to it. */
  get awake(): boolean {
    return this.#buffer !== undefined && this.#waking === undefined;
  }

  /** Readers waiting for the next change: followers caught up. */
  get listeners(): number {
    return this.#listeners.size;
  }

  /** Epoch ms of the last read. */
  get lastUsed(): number {
    return this.#lastUsed;
  }

  /** Memory held for the copy. */
  get byteLength(): number {
    return this.#buffer?.byteLength ?? 0;
  }

  read(after: number, maxBytes: number, memo?: ReadMemo): OutputRead | Promise<OutputRead> {
    this.#lastUsed = this.#now();
    if (this.#removed) return this.#removedRead(after);
    if (this.#buffer === undefined || this.#waking !== undefined) {
      // Put to sleep again before the read (rare): wake it once more.
      return this.#wake().then(() => (this.#buffer === undefined ? this.read(after, maxBytes, memo) : this.#readNow(after, maxBytes, memo)));
    }
    return this.#readNow(after, maxBytes, memo);
  }

  onChange(listener: () => void): () => void {
    const once = () => listener();
    this.#listeners.add(once);
    return () => this.#listeners.delete(once);
  }

  /** The session changed in the cluster (ended, lost): readers look again. */
  sessionChanged(): void {
    this.#endedKnown = this.#isComplete();
    this.#notify();
  }

  /** Reads what the copy has that this one has not, and tells readers when the output became complete meanwhile. */
  async refresh(): Promise<void> {
    if (!this.awake) return;
    await this.#pull();
    if (this.#isComplete() !== this.#endedKnown) this.sessionChanged();
  }

  /** The session was removed: readers are told so, and the copy is dropped. */
  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    this.#removedEnd = this.#buffer?.end ?? 0;
    this.#notify();
    this.sleep();
  }

  /** Drops the copy and stops following it; the next read wakes it again. */
  sleep(): void {
    this.#generation += 1;
    this.#buffer = undefined;
    this.#lastId = undefined;
    this.#complete = false;
    if (this.#subscribed) this.#copies.unsubscribe(this.id);
    this.#subscribed = false;
  }

  #wake(): Promise<void> {
    this.#waking ??= (async () => {
      const timeoutMs = this.#options.wakeTimeoutMs ?? 3000;
      try {
        // Subscribed before reading, so that no write after the read goes unnoticed.
        this.#subscribed = true;
        await withTimeout(
          this.#copies.subscribe(this.id, () => {
            void this.#pull().catch(() => {});
          }),
          timeoutMs,
          'following the output copy',
        );
        this.#buffer ??= new OutputBuffer({ capacity: this.#options.capacity });
        await withTimeout(this.#pull(), timeoutMs, 'reading the output copy');
        this.#endedKnown = this.#isComplete();
      } catch (error) {
        this.sleep();
        throw error;
      } finally {
        this.#waking = undefined;
      }
    })();
    return this.#waking;
  }

  /** Reads the copy's entries after the last one read, until there are no more; one read at a time. */
  #pull(): Promise<void> {
    if (this.#pulling !== undefined) {
      this.#pullAgain = true;
      return this.#pulling;
    }
    this.#pulling = (async () => {
      try {
        do {
          this.#pullAgain = false;
          const generation = this.#generation;
          let changed = false;
          for (;;) {
            const entries = await this.#copies.entries(this.id, this.#lastId, PAGE);
            if (generation !== this.#generation || this.#buffer === undefined) return;
            for (const entry of entries) {
              changed = this.#apply(this.#buffer, entry) || changed;
              this.#lastId = entry.id;
            }
            if (entries.length < PAGE) break;
          }
          if (changed) this.#notify();
        } while (this.#pullAgain);
      } finally {
        this.#pulling = undefined;
      }
    })();
    return this.#pulling;
  }

  #apply(buffer: OutputBuffer, entry: OutputEntry): boolean {
    if (entry.type === 'piece') return appendRawRead(buffer, entry);
    if (this.#complete) return false;
    // The bytes before the end mark never made it into the copy: the output is complete without them.
    if (entry.end > buffer.end) buffer.skipTo(entry.end);
    this.#complete = true;
    buffer.compact();
    return true;
  }

  #readNow(after: number, maxBytes: number, memo: ReadMemo | undefined): OutputRead {
    const buffer = this.#buffer;
    if (this.#removed || buffer === undefined) return this.#removedRead(after);
    this.#lastUsed = this.#now();
    const read = buffer.read(after, maxBytes, memo);
    const end = buffer.end;
    const ended = this.#isComplete();
    return { ...read, offset: ended ? Math.min(read.offset, end) : read.offset, end, ended, removed: false };
  }

  #isComplete(): boolean {
    if (this.#complete || this.#removed) return true;
    const session = this.#options.session();
    if (session === undefined || session.status === 'lost') return true;
    if (isLiveStatus(session.status)) return false;
    const endedAt = session.endedAt === null ? Number.NaN : Date.parse(session.endedAt);
    return this.#options.isDead(session.instance) || this.#now() - endedAt > (this.#options.completeAfterMs ?? 10_000);
  }

  #removedRead(after: number): OutputRead {
    const end = this.#removedEnd;
    return { from: end, chunks: [], offset: Math.min(after, end), end, ended: true, removed: true };
  }

  #notify(): void {
    if (this.#listeners.size === 0) return;
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const listener of listeners) listener();
  }
}
