import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, errorOf, send, startServer, type TestServer } from './helpers.ts';

afterEach(closeAll);

/** A directory beside every test's FS_ROOT, with a name FS_ROOT is a prefix of. */
let outside: string;
/** Siblings made beside FS_ROOTs, which `closeAll` does not remove. */
const siblings: string[] = [];

beforeAll(async () => {
  outside = await realpath(await mkdtemp(join(tmpdir(), 'sessionboard-outside-')));
  await mkdir(join(outside, 'secret'));
});

afterAll(async () => {
  await rm(outside, { recursive: true, force: true });
  await Promise.all(siblings.map((sibling) => rm(sibling, { recursive: true, force: true })));
});

/** FS_ROOT with every way out that a link or `..` offers. */
async function escapes(server: TestServer): Promise<[string, string][]> {
  const root = server.fsRoot;
  await mkdir(join(root, 'a'));
  siblings.push(`${root}-sibling`);
  await mkdir(`${root}-sibling`);
  await symlink(outside, join(root, 'to-outside'));
  await symlink(join(root, 'to-outside'), join(root, 'chain'));
  await symlink('../..', join(root, 'a', 'up'));
  await symlink(`${root}-sibling`, join(root, 'to-sibling'));
  await symlink(join(outside, 'no-such-dir'), join(root, 'dangling-out'));
  return [
    ['.. above FS_ROOT', `${root}/..`],
    ['.. through a subdirectory', `${root}/a/../../${outside.split('/').pop()}`],
    ['a directory whose name starts with FS_ROOT', `${root}-sibling`],
    ['a symlink out', join(root, 'to-outside')],
    ['a directory below a symlink out', join(root, 'to-outside', 'secret')],
    ['a chain of symlinks out', join(root, 'chain')],
    ['a relative symlink up', join(root, 'a', 'up')],
    ['a symlink to a directory whose name starts with FS_ROOT', join(root, 'to-sibling')],
    ['.. after a symlink out', `${join(root, 'to-outside', 'secret')}/..`],
    // The same answer whether the path outside exists or not: nothing tells what is there.
    ['a missing directory below a symlink out', join(root, 'to-outside', 'no-such-dir')],
    ['a missing directory deeper below a symlink out', join(root, 'to-outside', 'no', 'such', 'dir')],
    ['a dangling symlink out', join(root, 'dangling-out')],
  ];
}

describe('FS_ROOT confinement', () => {
  it('answers 403 forbidden to a directory listing that leaves FS_ROOT by .. or a symlink', async () => {
    const server = await startServer();

    for (const [name, path] of await escapes(server)) {
      const reply = await send(`${server.url}/api/fs/dirs?path=${encodeURIComponent(path)}`);
      expect({ name, status: reply.status }).toEqual({ name, status: 403 });
      expect(errorOf(reply)).toEqual({ code: 'forbidden', message: `Only directories inside ${server.fsRoot} can be listed.` });
      expect(reply.text).not.toContain('secret');
    }
  });

  it('answers 400 invalid_cwd to a session cwd that leaves FS_ROOT by .. or a symlink, and starts nothing', async () => {
    const server = await startServer();

    for (const [name, cwd] of await escapes(server)) {
      const reply = await send(`${server.url}/api/sessions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ command: ['pwd'], cwd }),
      });
      expect({ name, status: reply.status }).toEqual({ name, status: 400 });
      expect(errorOf(reply)).toEqual({
        code: 'invalid_cwd',
        message: `cwd must be an existing absolute directory inside ${server.fsRoot}.`,
        details: { cwd, problem: 'outside' },
      });
    }
    expect(server.manager.list()).toEqual([]);
  });

  it('lists neither links out nor their targets in a listing of FS_ROOT', async () => {
    const server = await startServer();
    await escapes(server);

    const reply = await send(`${server.url}/api/fs/dirs`);

    expect(JSON.parse(reply.text)).toEqual({ path: server.fsRoot, parent: null, dirs: ['a'] });
  });
});
