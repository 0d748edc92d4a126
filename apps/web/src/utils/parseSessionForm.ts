import { SESSION_LIMITS } from '@sessionboard/protocol';
import type { CreateSessionRequest } from '@sessionboard/protocol';
import type { SessionFormField } from './describeCreateError.ts';
import { CommandLineError, splitCommandLine } from './splitCommandLine.ts';

/** The new-session form's fields as typed. */
export interface SessionFormInput {
  commandLine: string;
  name: string;
  cwd: string;
}

/** A request to send, or the first problem in words for the person typing, and its field. */
export type SessionFormResult = { ok: true; request: CreateSessionRequest } | { ok: false; error: string; field: SessionFormField };

/**
 * Checks the form against the limits of `POST /api/sessions` and builds its body: the
 * command line split into argv, a trimmed name and cwd left out when empty.
 */
export function parseSessionForm(input: SessionFormInput): SessionFormResult {
  let command: string[];
  try {
    command = splitCommandLine(input.commandLine);
  } catch (error) {
    if (error instanceof CommandLineError) return { ok: false, error: error.message, field: 'command' };
    throw error;
  }
  if (command.length === 0) return { ok: false, error: 'Enter a command to run.', field: 'command' };
  if (command.length > SESSION_LIMITS.commandMaxItems) {
    return {
      ok: false,
      error: `A command has at most ${SESSION_LIMITS.commandMaxItems} arguments; this one has ${command.length}.`,
      field: 'command',
    };
  }
  if (command.some((arg) => arg.length === 0)) {
    return { ok: false, error: `Empty arguments ('' or "") cannot be passed to a session.`, field: 'command' };
  }
  if (command.some((arg) => arg.length > SESSION_LIMITS.argMaxLength)) {
    return { ok: false, error: `Each argument is at most ${SESSION_LIMITS.argMaxLength} characters.`, field: 'command' };
  }
  const request: CreateSessionRequest = { command };
  const name = input.name.trim();
  if (name.length > SESSION_LIMITS.nameMaxLength) {
    return { ok: false, error: `The name is at most ${SESSION_LIMITS.nameMaxLength} characters.`, field: 'name' };
  }
  if (name !== '') request.name = name;
  const cwd = input.cwd.trim();
  if (cwd !== '') {
    if (!cwd.startsWith('/')) return { ok: false, error: 'Give the folder as a full path, starting with /.', field: 'cwd' };
    request.cwd = cwd;
  }
  return { ok: true, request };
}
