import { readdir, realpath, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DirListing } from '@sessionboard/protocol';
import { Router } from 'express';
import { HttpError } from '../http/HttpError.ts';
import { isInside, resolveDirectory } from './resolveDirectory.ts';

/**
 * `GET /fs/dirs?path=`: the subdirectories of a directory inside `fsRoot`, for picking a
 * session's cwd. Hidden directories are listed too; symlinks are listed when they lead to a
 * directory inside `fsRoot`. Names are sorted by code point.
 */
export function dirsRouter(fsRoot: string): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const requested = req.query.path || fsRoot;
    if (typeof requested !== 'string') throw new HttpError(400, 'invalid_path', 'Give one path, as ?path=/absolute/dir.');
    const check = await resolveDirectory(fsRoot, requested);
    if (!check.ok) {
      switch (check.problem) {
        case 'relative':
          throw new HttpError(400, 'invalid_path', `path must be absolute, got ${JSON.stringify(requested)}.`);
        case 'outside':
          throw new HttpError(403, 'forbidden', `Only directories inside ${fsRoot} can be listed.`);
        default:
          throw new HttpError(404, 'not_found', `No directory at ${JSON.stringify(requested)}.`);
      }
    }
    const path = check.path;
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch {
      throw new HttpError(403, 'forbidden', `The server may not read ${path}.`);
    }
    const names = await Promise.all(
      entries.map(async (entry) => {
        if (entry.isDirectory()) return entry.name;
        if (entry.isSymbolicLink() && (await isDirectoryInside(fsRoot, join(path, entry.name)))) return entry.name;
        return undefined;
      }),
    );
    const body: DirListing = {
      path,
      parent: path === fsRoot ? null : dirname(path),
      dirs: names.filter((name): name is string => name !== undefined).sort(),
    };
    res.json(body);
  });

  return router;
}

async function isDirectoryInside(root: string, link: string): Promise<boolean> {
  try {
    const real = await realpath(link);
    return isInside(root, real) && (await stat(real)).isDirectory();
  } catch {
    return false;
  }
}
