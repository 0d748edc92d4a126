import { spawn } from 'node:child_process';
import type { Session, SessionChangeEventName } from '@sessionboard/protocol';

/** Called for each change, as Sessionboard's session manager publishes it. */
export type PeerPublish = (event: SessionChangeEventName, session: Session) => void;

/**
 * The sessions a peer server runs, so that its `POST /api/sessions` does what Sessionboard's
 * does: spawn the command (argv, no shell), publish `session_created`, and `session_updated`
 * when the process exits. It keeps the `capacity` most recent sessions for snapshots.
 */
export class PeerSessions {
  readonly #capacity: number;
  readonly #publish: PeerPublish;
  readonly #sessions: Session[] = [];
  #seq = 0;

  /** @param capacity sessions kept for snapshots; @default 10 */
  constructor(publish: PeerPublish, capacity = 10) {
    this.#publish = publish;
    this.#capacity = capacity;
  }

  /** Spawns `command`, publishes `session_created` and returns the session. */
  start(command: readonly string[], cwd = process.env.FS_ROOT ?? process.cwd()): Session {
    this.#seq += 1;
    const [file = 'true', ...args] = command;
    const child = spawn(file, args, { cwd, stdio: 'ignore' });
    const now = new Date().toISOString();
    const session: Session = {
      id: `s${this.#seq.toString(36)}${Math.random().toString(36).slice(2, 10)}`,
      name: file.split('/').pop() ?? file,
      command: [...command],
      cwd,
      status: child.pid === undefined ? 'failed' : 'running',
      instance: 'peer',
      pid: child.pid ?? null,
      exitCode: null,
      signal: null,
      error: null,
      createdAt: now,
      updatedAt: now,
      endedAt: null,
    };
    this.#keep(session);
    this.#publish('session_created', session);
    const end = (change: Partial<Session>) => {
      const at = new Date().toISOString();
      const ended: Session = { ...session, ...change, updatedAt: at, endedAt: at };
      this.#keep(ended);
      this.#publish('session_updated', ended);
    };
    child.once('error', (error) => end({ status: 'failed', pid: null, error: error.message }));
    child.once('exit', (exitCode, signal) => end({ status: 'exited', exitCode, signal }));
    return session;
  }

  /** The most recent sessions, oldest first. */
  list(): Session[] {
    return this.#sessions;
  }

  #keep(session: Session): void {
    const index = this.#sessions.findIndex((kept) => kept.id === session.id);
    if (index >= 0) this.#sessions[index] = session;
    else this.#sessions.push(session);
    if (this.#sessions.length > this.#capacity) this.#sessions.shift();
  }
}
