import type { SessionsMessage, SessionsState } from './SessionsState.ts';

/**
 * What the tabs of one browser tell each other over their `BroadcastChannel`. `from` is the
 * sending tab's id; `epoch` numbers the holder's term (its start time, or one more than the
 * last term seen), so a message from a holder that has since lost the lock is ignored.
 */
export type TabMessage =
  /** A tab that has just started asks the holder for its state. */
  | { kind: 'hello'; from: string }
  /** A follower that has not heard from the holder for a while asks whether it is alive. */
  | { kind: 'ping'; from: string }
  /** A follower asks the holder to retry the stream now (the browser is back online, "Retry now"). */
  | { kind: 'reconnect'; from: string }
  /** The holder's whole state: to one tab that said hello, or to all (`to: null`) when it takes over. */
  | { kind: 'state'; from: string; epoch: number; to: string | null; state: SessionsState }
  /** The holder is alive: every heartbeat interval and in answer to a ping. */
  | { kind: 'heartbeat'; from: string; epoch: number }
  /**
   * A message a tab applied: every one the holder's connection applies, and the REST answers
   * (`upsert`, `remove`) of any tab (`epoch: null` from a follower).
   */
  | { kind: 'message'; from: string; epoch: number | null; message: SessionsMessage };

const KINDS: readonly string[] = ['hello', 'ping', 'reconnect', 'state', 'heartbeat', 'message'];

/** True for anything shaped like a {@link TabMessage} (the channel is same-origin, so the check is light). */
export function isTabMessage(data: unknown): data is TabMessage {
  if (typeof data !== 'object' || data === null) return false;
  const { kind, from } = data as { kind?: unknown; from?: unknown };
  return typeof kind === 'string' && KINDS.includes(kind) && typeof from === 'string';
}
