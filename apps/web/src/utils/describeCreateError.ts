import { ApiError } from '@sessionboard/client';

/** A field of the new-session form. */
export type SessionFormField = 'command' | 'name' | 'cwd';

/** Where and how the form shows why a session did not start. */
export interface CreateErrorView {
  /** The field at fault, or null for the form as a whole. */
  field: SessionFormField | null;
  /** In the words of someone filling in the form ("folder", not "cwd"). */
  message: string;
  /** The server could not be reached: the connection banner says so once the client notices. */
  connection: boolean;
}

interface CwdDetails {
  cwd?: unknown;
  problem?: unknown;
}

function cwdMessage(details: CwdDetails | undefined, fallback: string): string {
  const folder = typeof details?.cwd === 'string' ? `“${details.cwd}”` : 'This folder';
  switch (details?.problem) {
    case 'missing':
      return `${folder} does not exist on the server. Pick one with Browse….`;
    case 'not_directory':
      return `${folder} is a file, not a folder.`;
    case 'outside':
      return `${folder} is outside the folders this server lets sessions use (its FS_ROOT). Pick one with Browse….`;
    case 'relative':
      return 'Give the folder as a full path, starting with /.';
    default:
      return `The server cannot use this folder: ${fallback}`;
  }
}

function fieldOf(details: unknown): SessionFormField | null {
  if (!Array.isArray(details)) return null;
  for (const problem of details) {
    const field = typeof problem?.field === 'string' ? problem.field.split('.')[0] : null;
    if (field === 'command' || field === 'name' || field === 'cwd') return field;
  }
  return null;
}

/**
 * Places a failed `POST /api/sessions`: a refused folder (`invalid_cwd`) on the Directory
 * field, saying whether it does not exist or is outside `FS_ROOT`; a refused field
 * (`invalid_body`) on that field; anything else (rate limit, too many sessions, no
 * answer) on the form.
 */
export function describeCreateError(error: unknown): CreateErrorView {
  if (!(error instanceof ApiError)) {
    return { field: null, message: error instanceof Error ? error.message : String(error), connection: false };
  }
  if (error.code === 'invalid_cwd') {
    return { field: 'cwd', message: cwdMessage(error.details as CwdDetails | undefined, error.message), connection: false };
  }
  if (error.code === 'invalid_body') return { field: fieldOf(error.details), message: error.message, connection: false };
  return { field: null, message: error.message, connection: error.code === 'network_error' };
}
