import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInside, resolveDirectory } from './resolveDirectory.ts';

let base: string;
let root: string;

beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'sessionboard-resolve-')));
  root = join(base, 'root');
  // `root-sibling` shares the root's name as a prefix: "inside" must mean below, not "starts with".
  for (const dir of ['root/a/inner', 'root-sibling', 'outside']) await mkdir(join(base, dir), { recursive: true });
  await writeFile(join(root, 'file.txt'), 'x');
  await symlink(join(root, 'a'), join(root, 'to-a'));
  await symlink(join(base, 'outside'), join(root, 'to-outside'));
  await symlink(join(base, 'root-sibling'), join(root, 'to-sibling'));
  await symlink(join(root, 'to-outside'), join(root, 'chain'));
  await symlink('../..', join(root, 'a', 'up-two'));
  await symlink('inner/../../..', join(root, 'a', 'relative-escape'));
  await symlink(join(root, 'missing'), join(root, 'dangling'));
  await symlink(join(base, 'outside', 'missing'), join(root, 'dangling-out'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('isInside', () => {
  it.each([
    ['/srv/root', '/srv/root', true],
    ['/srv/root', '/srv/root/a', true],
    ['/srv/root', '/srv/root-sibling', false],
    ['/srv/root', '/srv/rootx/a', false],
    ['/srv/root', '/srv', false],
    ['/', '/anything', true],
  ])('says whether %s holds %s: %s', (parent, path, expected) => {
    expect(isInside(parent, path)).toBe(expected);
  });
});

describe('resolveDirectory', () => {
  it.each([
    ['the root', () => root, () => root],
    ['a subdirectory', () => join(root, 'a'), () => join(root, 'a')],
    ['a symlink to a subdirectory, by its target', () => join(root, 'to-a', 'inner'), () => join(root, 'a', 'inner')],
    ['.. that stays inside', () => `${root}/a/inner/../..`, () => root],
    ['a trailing slash', () => `${root}/a/`, () => join(root, 'a')],
  ])('accepts %s', async (_case, path, expected) => {
    expect(await resolveDirectory(root, path())).toEqual({ ok: true, path: expected() });
  });

  it.each([
    ['.. above the root', () => `${root}/..`],
    ['.. through a subdirectory', () => `${root}/a/../../outside`],
    ['a sibling sharing the root as a prefix', () => `${root}-sibling`],
    ['a symlink out', () => join(root, 'to-outside')],
    ['a path below a symlink out', () => join(root, 'to-outside', '.')],
    ['a symlink to the prefix-sharing sibling', () => join(root, 'to-sibling')],
    ['a chain of symlinks out', () => join(root, 'chain')],
    ['a relative symlink going up', () => join(root, 'a', 'up-two')],
    ['a relative symlink with .. inside its target', () => join(root, 'a', 'relative-escape')],
    ['.. after a symlink out, which lexically looks inside', () => join(root, 'to-outside') + '/..'],
    ['the filesystem root', () => '/'],
    ['a missing path below a symlink out', () => join(root, 'to-outside', 'missing')],
    ['a missing path deeper below a chain of symlinks out', () => join(root, 'chain', 'no', 'such')],
    ['a dangling symlink out', () => join(root, 'dangling-out')],
    ['a missing path below a dangling symlink out', () => join(root, 'dangling-out', 'deeper')],
    ['a missing path below a relative symlink going up', () => join(root, 'a', 'up-two', 'missing')],
  ])('refuses %s as outside', async (_case, path) => {
    expect(await resolveDirectory(root, path())).toEqual({ ok: false, problem: 'outside' });
  });

  it('refuses a path outside the root without looking at the disk', async () => {
    expect(await resolveDirectory(root, '/no/such/dir/anywhere')).toEqual({ ok: false, problem: 'outside' });
  });

  it.each([
    ['relative', () => 'a', 'relative'],
    ['missing', () => join(root, 'nope'), 'missing'],
    ['a dangling symlink', () => join(root, 'dangling'), 'missing'],
    ['missing below a symlink inside', () => join(root, 'to-a', 'nope'), 'missing'],
    ['missing after .. that stays inside', () => `${root}/a/inner/../nope`, 'missing'],
    ['a file', () => join(root, 'file.txt'), 'not_directory'],
  ])('refuses a path that is %s', async (_case, path, problem) => {
    expect(await resolveDirectory(root, path())).toEqual({ ok: false, problem });
  });
});
