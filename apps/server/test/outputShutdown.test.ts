import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Session } from '@sessionboard/protocol';
import { sessionOutputStreamPath } from '@sessionboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, openStream, send, sendJson, waitFor } from './helpers.ts';
import { runMain, stopMains } from './runMain.ts';

let tmp: string | undefined;
afterEach(async () => {
  await closeAll();
  await stopMains();
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
});

describe('main, with session output', () => {
  it('keeps complete output in a private temp directory and removes it on SIGTERM, ending output streams', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'sessionboard-tmpdir-'));
    const main = await runMain({ TMPDIR: tmp, KILL_GRACE_MS: '500' });
    const url = await waitFor(() => /"url":"(http:\/\/[^"]+)"/.exec(main.output())?.[1], 15_000, main.output);
    await sendJson<Session>(`${url}/api/sessions`, 'POST', { command: ['head', '-c', '100000', '/dev/zero'] });
    const { body: live } = await sendJson<Session>(`${url}/api/sessions`, 'POST', { command: ['sleep', '30'] });
    for (let i = 0; i < 100 && !/^output_bytes_kept\{storage="disk"\} 100000$/m.test((await send(`${url}/metrics`)).text); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const ours = async () => (await readdir(tmp as string)).filter((name) => name.startsWith('sessionboard-output-'));
    const dirs = await ours();
    const files = await readdir(join(tmp, dirs[0] ?? ''));
    const stream = await openStream(`${url}${sessionOutputStreamPath(live.id)}`);

    main.child.kill('SIGTERM');
    const { code } = await main.exited;
    await stream.ended;

    expect(dirs).toHaveLength(1);
    expect(files).toHaveLength(1);
    expect(code).toBe(0);
    expect(await ours()).toEqual([]);
  });
});
