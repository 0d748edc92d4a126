import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { DEFAULTS, SESSION_LIMITS, isLiveStatus } from '@sessionboard/protocol';
import type { Session, SessionChangeEventName } from '@sessionboard/protocol';
import { HttpError } from '../http/HttpError.ts';
import { ProcessGroupWatcher, signalGroup, type GroupProbe } from './ProcessGroupWatcher.ts';

/** All the manager needs of a started process; `ChildProcess` satisfies it. */
export interface ChildLike {
  readonly pid?: number | undefined;
  /** Its output pipes, when it was started with them. */
  readonly stdout?: Readable | null;
  readonly stderr?: Readable | null;
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

/** Starts `file` with `args` in `cwd`, no shell, in a process group of its own. May throw. */
export type Spawner = (file: string, args: string[], cwd: string) => ChildLike;

/** Sends `signal` to the process group led by `pid`. */
export type Killer = (pid: number, signal: NodeJS.Signals) => void;

/** Keeps sessions' output (see `output/OutputStore`): told of each process's pipes, end and removal. */
export interface OutputSink {
  capture(id: string, pipes: Pick<ChildLike, 'stdout' | 'stderr'>): void;
  /** The process has exited or could not start. */
  processEnded(id: string): void;
  remove(id: string): void;
}

/** Receives every change, in the order it happened, with the session's state after it. */
export type SessionPublisher = (name: SessionChangeEventName, session: Session) => void;

/** Timer functions, injectable for tests (the defaults call the globals at call time, so fake timers apply). */
export interface ManagerTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link SessionManager}. */
export interface SessionManagerOptions {
  publish: SessionPublisher;
  /** Default cwd of a session; the caller checks that a given cwd is inside it. */
  fsRoot: string;
  /** This server's `INSTANCE_NAME`, set as every session's `instance`. @default 'local' */
  instance?: string;
  /** Live (running or stopping) sessions at most. @default 64 */
  maxLive?: number;
  /** Ended sessions kept; the oldest beyond this are removed. @default 200 */
  keepEnded?: number;
  /** SIGTERM to SIGKILL, in ms. @default 5000 */
  killGraceMs?: number;
  /** Where each process's output goes. @default none: no output is kept */
  output?: OutputSink;
  /** @default `child_process.spawn` detached; stdout and stderr piped when there is an `output`, else ignored */
  spawn?: Spawner;
  /** @default `process.kill(-pid, signal)` */
  kill?: Killer;
  /** Whether the process group led by `pid` still has a member. @default `kill(-pid, 0)` */
  groupAlive?: GroupProbe;
  /** How often the group of a session whose leader has exited is looked at, in ms. @default 200 */
  groupPollMs?: number;
  /** @default Date.now */
  now?: () => number;
  timers?: ManagerTimers;
  /** @default crypto.randomUUID */
  createId?: () => string;
}

/** What a session is started with, already validated. */
export interface CreateSessionInput {
  command: string[];
  name?: string | undefined;
  cwd?: string | undefined;
}

interface Entry {
  session: Session;
  killTimer?: unknown;
  /** How the group's leader ended, while the rest of its group lives on. */
  leaderExit?: { code: number | null; signal: NodeJS.Signals | null };
  /** Resolves when the process has ended (exited, or failed to start). */
  ended: Promise<void>;
  markEnded: () => void;
}

const defaultSpawn: Spawner = (file, args, cwd) => spawn(file, args, { cwd, stdio: 'ignore', detached: true });
const pipedSpawn: Spawner = (file, args, cwd) => spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });

const defaultTimers: ManagerTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Starts sessions as real processes and tracks them: `running` → `stopping` → `exited`, or
 * `failed` when the process could not start. Every change is published, synchronously, in order.
 *
 * Each process leads a process group of its own, and a session lasts as long as its group:
 * when the leader exits while processes it started live on (put in the background, ignoring
 * SIGTERM), the session stays `running` (or `stopping`) with the leader's pid, which is the
 * group's id, until the last of them is gone; it is then `exited` with the leader's exit code
 * or signal. Stopping it signals the whole group, and the SIGKILL after the grace period goes
 * to the whole group, whatever the leader did meanwhile.
 */
export class SessionManager {
  readonly #entries = new Map<string, Entry>();
  /** Ids of ended sessions, oldest ending first. */
  readonly #ended = new Set<string>();
  readonly #starting = new Set<Promise<Session>>();
  readonly #publish: SessionPublisher;
  readonly #fsRoot: string;
  readonly #instance: string;
  readonly #maxLive: number;
  readonly #keepEnded: number;
  readonly #killGraceMs: number;
  readonly #spawn: Spawner;
  readonly #output: OutputSink | undefined;
  readonly #kill: Killer;
  readonly #now: () => number;
  readonly #timers: ManagerTimers;
  readonly #createId: () => string;
  readonly #groups: ProcessGroupWatcher;
  #live = 0;
  #closing = false;

  constructor(options: SessionManagerOptions) {
    this.#publish = options.publish;
    this.#fsRoot = options.fsRoot;
    this.#instance = options.instance ?? 'local';
    this.#maxLive = options.maxLive ?? DEFAULTS.sessionsMaxLive;
    this.#keepEnded = options.keepEnded ?? DEFAULTS.sessionsKeepEnded;
    this.#killGraceMs = options.killGraceMs ?? DEFAULTS.killGraceMs;
    this.#output = options.output;
    this.#spawn = options.spawn ?? (options.output ? pipedSpawn : defaultSpawn);
    this.#kill = options.kill ?? signalGroup;
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? defaultTimers;
    this.#createId = options.createId ?? randomUUID;
    this.#groups = new ProcessGroupWatcher({ probe: options.groupAlive, pollMs: options.groupPollMs, timers: this.#timers });
  }

  /** Sessions running or stopping, including those still starting. */
  get liveCount(): number {
    return this.#live + this.#starting.size;
  }

  /** Every session kept, oldest first. */
  list(): Session[] {
    return [...this.#entries.values()].map((entry) => copy(entry.session));
  }

  get(id: string): Session | undefined {
    const entry = this.#entries.get(id);
    return entry && copy(entry.session);
  }

  /**
   * Starts a process and resolves once it has started (`running`) or could not (`failed`);
   * either way the session is published as `session_created`.
   * @throws {HttpError} 429 `too_many_sessions` at the live cap or while shutting down.
   */
  async create(input: CreateSessionInput): Promise<Session> {
    // Everything up to the registration below runs in one go, so the cap cannot be overrun.
    if (this.#closing) throw new HttpError(429, 'too_many_sessions', 'The server is shutting down and starts no new sessions.');
    if (this.liveCount >= this.#maxLive) {
      throw new HttpError(429, 'too_many_sessions', `${this.#maxLive} sessions are live already; stop one first.`);
    }
    const starting = this.#start(input);
    this.#starting.add(starting);
    void starting.finally(() => this.#starting.delete(starting));
    return await starting;
  }

  /**
   * Sends SIGTERM to a running session's process group, then SIGKILL after the grace period.
   * A session that is stopping or ended is left as it is.
   * @returns the session's state now, or undefined when the id is unknown.
   */
  terminate(id: string, graceMs = this.#killGraceMs): Session | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    const { session } = entry;
    if (session.status !== 'running' || session.pid === null) return copy(session);
    this.#change(entry, { status: 'stopping' });
    this.#kill(session.pid, 'SIGTERM');
    this.#armKill(entry, graceMs);
    return copy(session);
  }

  /**
   * Sends SIGKILL to a running or stopping session's process group at once; a running one
   * becomes `stopping` first. A session that has ended is left as it is.
   * @returns the session's state now, or undefined when the id is unknown.
   */
  killNow(id: string): Session | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    const { session } = entry;
    if (!isLiveStatus(session.status) || session.pid === null) return copy(session);
    if (entry.killTimer !== undefined) this.#timers.clearTimeout(entry.killTimer);
    entry.killTimer = undefined;
    if (session.status === 'running') this.#change(entry, { status: 'stopping' });
    this.#kill(session.pid, 'SIGKILL');
    return copy(session);
  }

  /**
   * Forgets an ended session and publishes `session_removed`.
   * @returns false when the id is unknown or the session is still live.
   */
  remove(id: string): boolean {
    const entry = this.#entries.get(id);
    if (!entry || isLiveStatus(entry.session.status)) return false;
    this.#drop(entry);
    return true;
  }

  /**
   * Forgets an ended session without publishing anything: it was removed elsewhere (another
   * instance of a cluster removed it, and the removal is published already).
   * @returns false when the id is unknown or the session is still live.
   */
  forget(id: string): boolean {
    const entry = this.#entries.get(id);
    if (!entry || isLiveStatus(entry.session.status)) return false;
    this.#entries.delete(id);
    this.#ended.delete(id);
    this.#output?.remove(id);
    return true;
  }

  /**
   * Refuses new sessions, terminates every live one (SIGKILL to its group after `graceMs`)
   * and resolves once all have ended, their groups empty.
   */
  async shutdown(graceMs = this.#killGraceMs): Promise<void> {
    this.#closing = true;
    for (;;) {
      await Promise.allSettled(this.#starting);
      const live = [...this.#entries.values()].filter((entry) => isLiveStatus(entry.session.status));
      if (live.length === 0 && this.#starting.size === 0) return;
      for (const entry of live) {
        if (entry.session.status === 'running') this.terminate(entry.session.id, graceMs);
        else this.#armKill(entry, graceMs);
      }
      await Promise.all(live.map((entry) => entry.ended));
    }
  }

  #start(input: CreateSessionInput): Promise<Session> {
    const [file, ...args] = input.command as [string, ...string[]];
    const at = this.#iso();
    let markEnded = () => {};
    const ended = new Promise<void>((resolve) => (markEnded = resolve));
    const session: Session = {
      id: this.#createId(),
      name: input.name ?? defaultName(file),
      command: [...input.command],
      cwd: input.cwd ?? this.#fsRoot,
      status: 'running',
      instance: this.#instance,
      pid: null,
      exitCode: null,
      signal: null,
      error: null,
      createdAt: at,
      updatedAt: at,
      endedAt: null,
    };
    const entry: Entry = { session, ended, markEnded };

    return new Promise<Session>((resolve) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        resolve(this.#failed(entry, describeSpawnError(error, session.cwd)));
      };
      let child: ChildLike;
      try {
        child = this.#spawn(file, args, session.cwd);
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      this.#output?.capture(session.id, child);
      child.on('error', fail);
      child.on('spawn', () => {
        if (settled) return;
        settled = true;
        resolve(this.#running(entry, child.pid));
      });
      child.on('exit', (code, signal) => this.#exited(entry, code, signal));
    });
  }

  #running(entry: Entry, pid: number | undefined): Session {
    const { session } = entry;
    session.pid = pid ?? null;
    session.updatedAt = this.#iso();
    this.#entries.set(session.id, entry);
    this.#live += 1;
    this.#publish('session_created', copy(session));
    return copy(session);
  }

  #failed(entry: Entry, error: string): Session {
    const { session } = entry;
    const at = this.#iso();
    Object.assign(session, { status: 'failed', error, updatedAt: at, endedAt: at });
    this.#entries.set(session.id, entry);
    this.#publish('session_created', copy(session));
    entry.markEnded();
    this.#output?.processEnded(session.id);
    const result = copy(session);
    this.#retire(session.id);
    return result;
  }

  /** The leader has exited: the session ends once its group is empty too. */
  #exited(entry: Entry, code: number | null, signal: NodeJS.Signals | null): void {
    if (!isLiveStatus(entry.session.status) || !this.#entries.has(entry.session.id) || entry.leaderExit) return;
    entry.leaderExit = { code, signal };
    const { pid } = entry.session;
    if (pid === null) this.#groupEnded(entry);
    else this.#groups.whenEmpty(pid, () => this.#groupEnded(entry));
  }

  #groupEnded(entry: Entry): void {
    if (!isLiveStatus(entry.session.status) || !this.#entries.has(entry.session.id)) return;
    if (entry.killTimer !== undefined) this.#timers.clearTimeout(entry.killTimer);
    const { code, signal } = entry.leaderExit ?? { code: null, signal: null };
    const at = this.#iso();
    this.#live -= 1;
    this.#change(entry, { status: 'exited', exitCode: code, signal, endedAt: at });
    entry.markEnded();
    this.#output?.processEnded(entry.session.id);
    this.#retire(entry.session.id);
  }

  #armKill(entry: Entry, graceMs: number): void {
    if (entry.killTimer !== undefined) this.#timers.clearTimeout(entry.killTimer);
    entry.killTimer = this.#timers.setTimeout(() => {
      entry.killTimer = undefined;
      const { status, pid } = entry.session;
      if (isLiveStatus(status) && pid !== null) this.#kill(pid, 'SIGKILL');
    }, graceMs);
  }

  /** Counts a session as ended and removes the oldest ended ones beyond the cap. */
  #retire(id: string): void {
    this.#ended.add(id);
    for (const oldest of this.#ended) {
      if (this.#ended.size <= this.#keepEnded) break;
      const entry = this.#entries.get(oldest);
      if (entry) this.#drop(entry);
      else this.#ended.delete(oldest);
    }
  }

  #drop(entry: Entry): void {
    this.#entries.delete(entry.session.id);
    this.#ended.delete(entry.session.id);
    this.#output?.remove(entry.session.id);
    this.#publish('session_removed', copy(entry.session));
  }

  #change(entry: Entry, fields: Partial<Session>): void {
    Object.assign(entry.session, fields, { updatedAt: this.#iso() });
    this.#publish('session_updated', copy(entry.session));
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }
}

function copy(session: Session): Session {
  return { ...session, command: [...session.command] };
}

/** The command's basename, its control characters replaced, as a given name may have none. */
function defaultName(file: string): string {
  return (basename(file) || file).replace(/\p{Cc}/gu, '\uFFFD').slice(0, SESSION_LIMITS.nameMaxLength);
}

/** Node says `spawn <file> ENOENT` both for a missing command and for a missing cwd. */
function describeSpawnError(error: Error, cwd: string): string {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(cwd)) {
    return `cwd ${cwd} does not exist (${error.message})`;
  }
  return error.message;
}
