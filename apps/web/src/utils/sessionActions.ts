import type { SessionStatus } from '@sessionboard/protocol';

/** What a session's buttons can do. */
export type SessionAction = 'terminate' | 'kill' | 'run-again' | 'remove';

/** One button: the same in the list's rows and on the detail page. */
export interface SessionActionButton {
  action: SessionAction;
  label: string;
  testid: string;
  /** Ends a process: drawn as a danger button. */
  danger: boolean;
  /** What it does, as a tooltip. */
  hint: string;
  /** Its accessible name where the session's name is not nearby (a row among many). */
  labelFor(name: string): string;
}

const TERMINATE: SessionActionButton = {
  action: 'terminate',
  label: 'Terminate',
  testid: 'terminate-button',
  danger: true,
  hint: 'Send SIGTERM, then SIGKILL if it has not stopped after the grace period',
  labelFor: (name) => `Terminate ${name}`,
};

const KILL: SessionActionButton = {
  action: 'kill',
  label: 'Kill now',
  testid: 'kill-button',
  danger: true,
  hint: 'Send SIGKILL now instead of waiting for it to stop',
  labelFor: (name) => `Kill ${name} now`,
};

const RUN_AGAIN: SessionActionButton = {
  action: 'run-again',
  label: 'Run again',
  testid: 'run-again-button',
  danger: false,
  hint: 'Start the same command, with the same name and directory',
  labelFor: (name) => `Run ${name} again`,
};

const REMOVE: SessionActionButton = {
  action: 'remove',
  label: 'Remove',
  testid: 'remove-button',
  danger: false,
  hint: 'Forget this session and its output',
  labelFor: (name) => `Remove ${name}`,
};

/**
 * The buttons a session in `status` offers: Terminate while running, Kill now while stopping,
 * Run again and Remove once it has ended.
 */
export function sessionActionsFor(status: SessionStatus): readonly SessionActionButton[] {
  if (status === 'running') return [TERMINATE];
  if (status === 'stopping') return [KILL];
  return [RUN_AGAIN, REMOVE];
}
