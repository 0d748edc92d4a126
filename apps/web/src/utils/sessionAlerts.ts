import type { Session } from '@sessionboard/protocol';

/** A change worth telling someone who is not watching: a session failed, exited non-zero, or was lost. */
export interface SessionAlert {
  id: string;
  name: string;
  kind: 'failed' | 'exited' | 'lost';
  /** One sentence, e.g. `build exited with code 2.` */
  text: string;
}

function alertOf(session: Session): SessionAlert | null {
  const { id, name, status, exitCode, error } = session;
  if (status === 'failed') return { id, name, kind: 'failed', text: `${name} failed to start${error ? `: ${error}` : ''}.` };
  if (status === 'exited' && exitCode !== null && exitCode !== 0) {
    return { id, name, kind: 'exited', text: `${name} exited with code ${exitCode}.` };
  }
  if (status === 'lost') return { id, name, kind: 'lost', text: `${name} was lost: the server instance running it stopped answering.` };
  return null;
}

/**
 * The alerts between two lists: sessions that have newly come to fail, exit with a
 * non-zero code or be lost (new sessions that arrive that way too). A session already in
 * that state before is not repeated; a signal or a zero exit is no alert.
 */
export function sessionAlerts(
  previous: Readonly<Record<string, Session>>,
  next: Readonly<Record<string, Session>>,
): SessionAlert[] {
  const alerts: SessionAlert[] = [];
  for (const session of Object.values(next)) {
    const alert = alertOf(session);
    if (alert === null) continue;
    const before = previous[session.id];
    if (before !== undefined && before.status === session.status) continue;
    alerts.push(alert);
  }
  return alerts;
}

/**
 * One message for a burst of alerts: the alert itself, or `3 sessions need attention:`
 * and up to `listed` of them, then how many more.
 * @param listed @default 3
 */
export function summariseAlerts(alerts: readonly SessionAlert[], listed = 3): string {
  if (alerts.length === 1) return alerts[0]!.text;
  const shown = alerts.slice(0, listed).map((alert) => alert.text);
  const more = alerts.length - shown.length;
  return `${alerts.length} sessions need attention: ${shown.join(' ')}${more > 0 ? ` And ${more} more.` : ''}`;
}
