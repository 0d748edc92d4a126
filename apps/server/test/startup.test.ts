import { afterEach, describe, expect, it } from 'vitest';
import { runMain, stopMains } from './runMain.ts';

afterEach(stopMains);

/** Runs `src/main.ts` until it exits (it must: each case refuses to start); kills it after 15 s. */
async function runUntilExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const main = await runMain(env);
  const timer = setTimeout(() => main.child.kill('SIGKILL'), 15_000);
  const { code } = await main.exited;
  clearTimeout(timer);
  return { code, output: main.output() };
}

describe('startup', () => {
  it('refuses to listen on HOST=0.0.0.0 without AUTH_TOKEN, saying what to set, and exits 1', async () => {
    const { code, output } = await runUntilExit({ HOST: '0.0.0.0' });

    expect(code).toBe(1);
    expect(output.trim()).toBe(
      'Refusing to listen on HOST=0.0.0.0 without AUTH_TOKEN: anyone who can reach it could run commands on this machine. ' +
        'Set AUTH_TOKEN to a secret of at least 16 characters (e.g. AUTH_TOKEN=$(openssl rand -hex 32)), ' +
        'or set HOST=127.0.0.1 to accept connections from this machine only.',
    );
  });

  it('refuses a short AUTH_TOKEN without printing it, and exits 1', async () => {
    const { code, output } = await runUntilExit({ HOST: '0.0.0.0', AUTH_TOKEN: 'hunter2hunter2' });

    expect(code).toBe(1);
    expect(output.trim()).toBe(
      'Invalid configuration: AUTH_TOKEN must be at least 16 characters, e.g. AUTH_TOKEN=$(openssl rand -hex 32), got 14 characters',
    );
    expect(output).not.toContain('hunter2');
  });
});
