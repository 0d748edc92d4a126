import { readFileSync, readdirSync } from 'node:fs';

/** True while any process of the group `pgid` exists. */
export type GroupProbe = (pgid: number) => boolean;

/** Options of {@link ProcessGroupWatcher}. */
export interface ProcessGroupWatcherOptions {
  /** @default {@link groupExists}: `kill(-pgid, 0)` */
  probe?: GroupProbe;
  /** How often a group whose leader has exited is looked at, in ms. @default 200 */
  pollMs?: number;
  /** The session manager's timers, injectable for tests. */
  timers: { setTimeout(callback: () => void, ms: number): unknown };
}

/**
 * The member of each group found live at the last look: looked at first, so that a group kept
 * alive by one process costs one read a poll, not a read of every process on the machine.
 */
const lastLiveMember = new Map<number, string>();

/**
 * Signal 0 to the group: delivered to no one, but fails with ESRCH once no process has the
 * group id. A member that the server may not signal (EPERM) still counts. The group id stays
 * reserved while any member lives, so it cannot name another group meanwhile.
 *
 * A zombie answers signal 0 too: a member that has died but that its parent has not reaped.
 * Children a session's leader left behind are reparented to init when it dies, and an init
 * that reaps slowly (seen: a VM's init taking over a second) would keep a dead group "alive".
 * So on Linux, a group that answers is confirmed in /proc to have a member that is not a zombie.
 */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') return true;
    lastLiveMember.delete(pgid);
    return false;
  }
  return process.platform !== 'linux' || hasLiveMember(pgid);
}

/**
 * True when some process of group `pgid` in `procRoot` (`/proc`) is not a zombie (`Z`) or
 * dead (`X`); also true when `procRoot` cannot be read, so that nothing is judged gone on doubt.
 */
export function hasLiveMember(pgid: number, procRoot = '/proc'): boolean {
  const known = lastLiveMember.get(pgid);
  if (known !== undefined && isLiveMember(procRoot, known, pgid)) return true;
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return true;
  }
  for (const name of names) {
    if (name !== known && /^\d+$/.test(name) && isLiveMember(procRoot, name, pgid)) {
      lastLiveMember.set(pgid, name);
      return true;
    }
  }
  lastLiveMember.delete(pgid);
  return false;
}

/** True when process `pid` of `procRoot` is in group `pgid` and neither a zombie nor dead. */
function isLiveMember(procRoot: string, pid: string, pgid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`${procRoot}/${pid}/stat`, 'latin1');
  } catch {
    return false; // The process ended while we looked.
  }
  // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses, so read after the last ')'.
  const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(pgrp) === pgid && state !== 'Z' && state !== 'X';
}

/** Sends `signal` to every process of the group `pgid`; a group already gone is ignored. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is gone already; the watcher sees it empty.
  }
}

/**
 * Tells when a process group has no member left. A session's process leads a group of its
 * own; when the leader exits, children it left behind (daemonised, or ignoring SIGTERM) keep
 * the group alive, and the session is not over until they are gone too. Nothing tells a
 * parent when processes that are not its children exit, so the group is polled.
 */
export class ProcessGroupWatcher {
  readonly #probe: GroupProbe;
  readonly #pollMs: number;
  readonly #timers: ProcessGroupWatcherOptions['timers'];

  constructor(options: ProcessGroupWatcherOptions) {
    this.#probe = options.probe ?? groupExists;
    this.#pollMs = options.pollMs ?? 200;
    this.#timers = options.timers;
  }

  /**
   * Calls `onEmpty` once the group `pgid` has no member: at once (synchronously) when it has
   * none now, else at the first poll that finds none.
   */
  whenEmpty(pgid: number, onEmpty: () => void): void {
    const check = () => {
      if (this.#probe(pgid)) this.#timers.setTimeout(check, this.#pollMs);
      else onEmpty();
    };
    check();
  }
}
