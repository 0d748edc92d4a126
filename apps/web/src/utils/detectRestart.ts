import type { SessionsMessage, SessionsState } from '@sessionboard/client';

/** The list was replaced by a restarted server's. */
export interface RestartNotice {
  /** Epoch ms when the new list arrived. */
  at: number;
  /** How many sessions of the old list are gone. */
  gone: number;
}

/**
 * Tells a restarted server from an ordinary update. Event ids are opaque, so it goes by
 * what a restart does to the list: a snapshot (the server could not replay from the id
 * the client held, or a poll) that replaces a list the client had in sync, under a new
 * cursor, and keeps none of its sessions. A resume the server could replay, or a
 * snapshot that still holds a known session, is not a restart.
 */
export function detectRestart(previous: SessionsState, next: SessionsState, message: SessionsMessage): RestartNotice | null {
  if (message.type !== 'snapshot' || previous.lastEventId === null || next.lastEventId === previous.lastEventId) return null;
  const before = Object.keys(previous.sessions);
  if (before.length === 0 || before.some((id) => id in next.sessions)) return null;
  return { at: message.at, gone: before.length };
}
