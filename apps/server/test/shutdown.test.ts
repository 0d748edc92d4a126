import type { Session } from '@sessionboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, openStream, sendJson, waitFor } from './helpers.ts';
import { runMain, stopMains } from './runMain.ts';

afterEach(async () => {
  await closeAll();
  await stopMains();
});

function groupExists(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

describe('main', () => {
  it('exits 0 within 10 s of SIGTERM, ending streams and leaving no session process behind', async () => {
    const main = await runMain({ KILL_GRACE_MS: '500' });
    const url = await waitFor(() => /"url":"(http:\/\/[^"]+)"/.exec(main.output())?.[1], 15_000, main.output);
    const sessions: Session[] = [];
    for (const command of [['sleep', '30'], ['sleep', '31'], ['sh', '-c', "trap '' TERM; sleep 32"]]) {
      sessions.push((await sendJson<Session>(`${url}/api/sessions`, 'POST', { command })).body);
    }
    const stream = await openStream(`${url}/api/sse/sessions`);
    await stream.next((frame) => frame.event === 'snapshot');
    expect(sessions.map((s) => s.status)).toEqual(['running', 'running', 'running']);

    const signalledAt = Date.now();
    main.child.kill('SIGTERM');
    const { code, signal } = await main.exited;

    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    await stream.ended;
    for (const session of sessions) {
      expect(() => process.kill(session.pid as number, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    }
    // The shell's own sleep was SIGKILLed with its group; init reaps it a moment later.
    await waitFor(() => (sessions.some((s) => groupExists(s.pid as number)) ? undefined : true), 5000);
  });

  it('exits 1 with a message naming the variable when the configuration is bad', async () => {
    const main = await runMain({ SSE_HEARTBEAT_MS: 'soon' });

    const result = await main.exited;

    expect(result.code).toBe(1);
    expect(main.output()).toContain('SSE_HEARTBEAT_MS must be an integer from 100 to 3600000, got "soon"');
    expect(main.output()).not.toMatch(/\n\s+at /);
  });
});
