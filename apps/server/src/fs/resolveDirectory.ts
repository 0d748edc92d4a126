import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';

/** Why a path cannot be used as a directory inside the root. */
export type DirectoryProblem = 'relative' | 'outside' | 'missing' | 'not_directory';

export type DirectoryCheck = { ok: true; path: string } | { ok: false; problem: DirectoryProblem };

/** True when `path` is `root` or below it; both must be normalised absolute paths. */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Symlinks followed at most, as the kernel's ELOOP limit. */
const MAX_LINKS = 40;

/**
 * Resolves an absolute path to the real path of a directory inside `root` (itself a real path).
 * Every path outside `root` gets `outside`, whether it exists or not: one outside before
 * touching the disk, one that leaves `root` through a symlink (even to a place that does not
 * exist, or followed by parts that do not), so the answer never tells what is outside.
 */
export async function resolveDirectory(root: string, path: string): Promise<DirectoryCheck> {
  if (!isAbsolute(path)) return { ok: false, problem: 'relative' };
  if (!isInside(root, resolve(path))) return { ok: false, problem: 'outside' };
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    return { ok: false, problem: isInside(root, await whereItLeads(path)) ? 'missing' : 'outside' };
  }
  if (!isInside(root, real)) return { ok: false, problem: 'outside' };
  try {
    if (!(await stat(real)).isDirectory()) return { ok: false, problem: 'not_directory' };
  } catch {
    return { ok: false, problem: 'missing' };
  }
  return { ok: true, path: real };
}

/**
 * Where an absolute path leads once the symlinks along it are followed, as far as the disk
 * has them; from the first part that does not exist on, the rest is taken as written.
 */
async function whereItLeads(path: string): Promise<string> {
  const pending = path.split('/').filter((part) => part !== '');
  let resolved = '/';
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      resolved = dirname(resolved);
      continue;
    }
    const next = join(resolved, part);
    let isLink: boolean;
    try {
      isLink = (await lstat(next)).isSymbolicLink();
    } catch {
      return resolve(next, ...pending);
    }
    if (!isLink) {
      resolved = next;
      continue;
    }
    if (++links > MAX_LINKS) return next;
    let target: string;
    try {
      target = await readlink(next);
    } catch {
      return resolve(next, ...pending);
    }
    pending.unshift(...target.split('/').filter((item) => item !== ''));
    if (isAbsolute(target)) resolved = '/';
  }
  return resolved;
}
