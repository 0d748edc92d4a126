import type { Session, SessionChangeEventName } from '@sessionboard/protocol';
import type { Logger } from 'pino';
import type { CaptureTimers } from '../output/OutputCapture.ts';
import type { OutputStore } from '../output/OutputStore.ts';
import type { ClusterKeys } from './clusterKeys.ts';
import { clusterScripts } from './clusterScripts.ts';
import { OutputCarrier } from './OutputCarrier.ts';
import { decodeOutputEntry, type OutputEntry } from './outputEntry.ts';
import { OutputMirror, type OutputCopyReader } from './OutputMirror.ts';
import type { RedisConnections } from './RedisConnections.ts';
import { TokenBucket } from '../output/TokenBucket.ts';
import { unrefTimers } from '../output/unrefTimers.ts';

/** Options of {@link ClusterOutputs}. */
export interface ClusterOutputsOptions {
  connections: RedisConnections;
  keys: ClusterKeys;
  /** The cluster's sessions, as mirrored here. */
  registry: { get(id: string): Session | undefined };
  /** Whether instance `name` has been judged dead. */
  isDead: (name: string) => boolean;
  /** `SESSIONS_OUTPUT_BYTES`: kept per session, in Redis and in each copy, as on the instance that runs it. */
  capacity: number;
  /** Bytes a second carried into Redis per session, on average. @default 1048576 (1 MiB/s) */
  carryBytesPerSecond?: number;
  /** Bytes carried at once per session, before the rate applies. @default `capacity` */
  carryBurstBytes?: number;
  /** A mirror nobody read for this long is put to sleep, in ms. @default 30000 */
  idleMs?: number;
  /** Mirrors kept awake without followers, at most; the least recently read sleep first. @default 64 */
  maxIdleMirrors?: number;
  /** How often mirrors are checked (a missed write, an end mark overdue, idle ones), in ms. @default 2000 */
  sweepMs?: number;
  logger: Logger;
  /** Epoch ms. @default Date.now */
  now?: () => number;
  timers?: CaptureTimers;
}

/** What the cluster's output costs here, for metrics. */
export interface ClusterOutputStats {
  /** Sessions of this instance whose output is carried into Redis. */
  carriers: number;
  /** Bytes of output written into Redis. */
  carriedBytes: number;
  /** Bytes of output never written into Redis: over the carry budget, or dropped before their turn. */
  skippedBytes: number;
  /** Copies of other instances' sessions' output kept here (awake mirrors). */
  mirrors: number;
  /** Memory those copies hold. */
  mirrorBytes: number;
}

/**
 * Sessions' output across the cluster. Each session's output is kept by the instance that
 * runs it and carried from there into a copy in Redis (an {@link OutputCarrier} per session:
 * at most 20 pieces a second, `carryBurstBytes` at once and `carryBytesPerSecond` on
 * average, trimmed to the last `capacity` bytes), until the session is removed, when the
 * script that removes it deletes the copy. Every other instance reads and follows it through
 * an {@link OutputMirror}, with the same offsets; the copy outlives its instance, so a `lost`
 * session's output up to its last piece stays readable.
 */
export class ClusterOutputs implements OutputCopyReader {
  readonly #options: ClusterOutputsOptions;
  readonly #carriers = new Map<string, OutputCarrier>();
  readonly #mirrors = new Map<string, OutputMirror>();
  readonly #now: () => number;
  readonly #timers: CaptureTimers;
  readonly #stats = { carriedBytes: 0, skippedBytes: 0 };
  #sweep: NodeJS.Timeout | undefined;
  #errorLogged = false;

  constructor(options: ClusterOutputsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? unrefTimers;
  }

  /** Carries every session output of `store` (this instance's sessions) into Redis. */
  attach(store: OutputStore): void {
    store.observe((id, output) => {
      this.#carriers.get(id)?.stop();
      const carrier = new OutputCarrier({
        output,
        write: (piece) => this.#write(id, piece),
        budget: new TokenBucket({ perSecond: this.#options.carryBytesPerSecond ?? 1024 * 1024, burst: this.#options.carryBurstBytes ?? this.#options.capacity }),
        maxPieceBytes: this.#options.capacity,
        now: this.#now,
        timers: this.#timers,
        onCarried: ({ bytes, skipped }) => {
          this.#stats.carriedBytes += bytes;
          this.#stats.skippedBytes += skipped;
          this.#errorLogged = false;
        },
        onError: (error) => {
          if (this.#errorLogged) return;
          this.#errorLogged = true;
          this.#options.logger.debug({ err: error, session: id }, 'could not carry output into redis; retrying');
        },
      });
      this.#carriers.set(id, carrier);
      carrier.start();
    });
  }

  /** Session `id`'s output read through its copy in Redis: for a session this instance does not run. */
  source(id: string): OutputMirror {
    let mirror = this.#mirrors.get(id);
    if (mirror === undefined) {
      mirror = new OutputMirror({
        id,
        capacity: this.#options.capacity,
        copies: this,
        session: () => this.#options.registry.get(id),
        isDead: this.#options.isDead,
        now: this.#now,
      });
      this.#mirrors.set(id, mirror);
    }
    return mirror;
  }

  /** A change the cluster's stream carried: readers of the session's copy look again (or learn it was removed). */
  sessionChanged(name: SessionChangeEventName, session: Session): void {
    const mirror = this.#mirrors.get(session.id);
    if (mirror === undefined) return;
    if (name === 'session_removed') {
      mirror.remove();
      this.#mirrors.delete(session.id);
    } else {
      mirror.sessionChanged();
    }
  }

  /** Redis lost its data: every output is carried again from its oldest byte kept. */
  recarry(): void {
    for (const carrier of this.#carriers.values()) carrier.restart();
  }

  /** Starts the sweep; after each reconnection to Redis, carriers write at once and mirrors catch up. */
  start(): void {
    this.#options.connections.onCommandsReady(() => {
      for (const carrier of this.#carriers.values()) carrier.kick();
      for (const mirror of this.#mirrors.values()) void mirror.refresh().catch(() => {});
    });
    this.#sweep ??= setInterval(() => this.#sweepOnce(), this.#options.sweepMs ?? 2000).unref();
  }

  /** Resolves once every carrier has written all it has (or after `timeoutMs`): for a shutdown. */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = this.#now() + timeoutMs;
    while ([...this.#carriers.values()].some((carrier) => !carrier.idle) && this.#now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    clearInterval(this.#sweep);
    for (const carrier of this.#carriers.values()) carrier.stop();
    for (const mirror of this.#mirrors.values()) mirror.sleep();
  }

  stats(): ClusterOutputStats {
    let mirrors = 0;
    let mirrorBytes = 0;
    for (const mirror of this.#mirrors.values()) {
      if (!mirror.awake) continue;
      mirrors += 1;
      mirrorBytes += mirror.byteLength;
    }
    return { carriers: this.#carriers.size, ...this.#stats, mirrors, mirrorBytes };
  }

  async entries(id: string, afterId: string | undefined, count: number): Promise<OutputEntry[]> {
    const { connections, keys } = this.#options;
    const reply = (await connections.commands.callBuffer('XRANGE', keys.output(id), afterId === undefined ? '-' : `(${afterId}`, '+', 'COUNT', count)) as [Buffer, Buffer[]][];
    const entries: OutputEntry[] = [];
    for (const [entryId, fields] of reply) {
      const entry = decodeOutputEntry(entryId, fields);
      if (entry !== undefined) entries.push(entry);
      else this.#options.logger.error({ session: id, entry: entryId.toString() }, 'an output copy holds an entry that is not well formed; skipped');
    }
    return entries;
  }

  subscribe(id: string, listener: () => void): Promise<void> {
    return this.#options.connections.subscribe(this.#options.keys.outputChannel(id), listener);
  }

  unsubscribe(id: string): void {
    void this.#options.connections.unsubscribe(this.#options.keys.outputChannel(id)).catch(() => {});
  }

  async #write(id: string, piece: { end: number; start: number; runs: string; bytes: Buffer; complete: boolean }): Promise<'ok' | 'absent'> {
    const { connections, keys, capacity } = this.#options;
    const reply = await clusterScripts.carryOutput.run(
      connections.commands,
      [keys.sessions, keys.output(id)],
      [id, piece.end, piece.start, piece.runs, piece.bytes.length > 0 ? piece.bytes : '', piece.complete ? '1' : '0', Math.max(0, piece.end - capacity + 1), keys.outputChannel(id)],
    );
    return reply === 'absent' ? 'absent' : 'ok';
  }

  #sweepOnce(): void {
    for (const [id, carrier] of this.#carriers) if (carrier.stopped) this.#carriers.delete(id);
    const now = this.#now();
    const idleMs = this.#options.idleMs ?? 30_000;
    const idle: OutputMirror[] = [];
    for (const mirror of this.#mirrors.values()) {
      if (!mirror.awake) continue;
      if (mirror.listeners > 0) {
        void mirror.refresh().catch(() => {});
      } else if (now - mirror.lastUsed > idleMs) {
        mirror.sleep();
      } else {
        idle.push(mirror);
      }
    }
    const maxIdle = this.#options.maxIdleMirrors ?? 64;
    if (idle.length > maxIdle) {
      idle.sort((a, b) => a.lastUsed - b.lastUsed);
      for (const mirror of idle.slice(0, idle.length - maxIdle)) mirror.sleep();
    }
  }
}
