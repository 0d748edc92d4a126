import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';

/** Why a path cannot be used as a directory inside the root. */
export type DirectoryProblem = 'relative' | 'outside' | 'missing' | 'not_directory';

export type DirectoryCheck = { ok: true; path: string } | { ok: false; problem: DirectoryProblem };

/** True when `path` is `root` or below it; both must be normalised absolute paths. */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Resolves an absolute path to the real path of a directory inside `root` (itself a real path).
 * A path outside `root` before touching the disk is refused without revealing whether it
 * exists; one that leaves `root` through a symlink is refused after resolving it.
 */
export async function resolveDirectory(root: string, path: string): Promise<DirectoryCheck> {
  if (!isAbsolute(path)) return { ok: false, problem: 'relative' };
  if (!isInside(root, resolve(path))) return { ok: false, problem: 'outside' };
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    return { ok: false, problem: 'missing' };
  }
  if (!isInside(root, real)) return { ok: false, problem: 'outside' };
  try {
    if (!(await stat(real)).isDirectory()) return { ok: false, problem: 'not_directory' };
  } catch {
    return { ok: false, problem: 'missing' };
  }
  return { ok: true, path: real };
}
