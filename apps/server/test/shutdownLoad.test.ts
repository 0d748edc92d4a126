import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Session } from '@sessionboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { sendJson, waitFor } from './helpers.ts';
import { runMain, stopMains } from './runMain.ts';

const STREAMS = 200;
const SLEEPERS = 16;
const TERM_IGNORERS = 4;

const sockets: { destroy(): void }[] = [];
/** Process groups of sessions, killed after a failed test so none outlives the run. */
const groups: number[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await stopMains();
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Gone already, as it should be.
    }
  }
});

interface OpenStream {
  /** Resolves once the snapshot has arrived. */
  started: Promise<void>;
  /** Resolves when the response is over: `complete` when the server ended the body properly. */
  ended: Promise<{ complete: boolean }>;
}

/** A raw stream that keeps reading: resolves `started` on its snapshot. */
function openStream(url: string): OpenStream {
  let started!: () => void;
  let failed!: (error: Error) => void;
  const startedPromise = new Promise<void>((resolve, reject) => ((started = resolve), (failed = reject)));
  const ended = new Promise<{ complete: boolean }>((resolve) => {
    const req = request(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('event: snapshot\n')) started();
      });
      res.on('error', () => {});
      res.on('close', () => resolve({ complete: res.complete }));
    });
    req.on('error', (error) => {
      failed(error);
      resolve({ complete: false });
    });
    req.end();
    sockets.push(req);
  });
  return { started: startedPromise, ended };
}

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Pids in process group `pgid`, from /proc (empty where there is no /proc). */
function groupMembers(pgid: number): number[] {
  if (!existsSync('/proc/self/stat')) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state, ppid, pgrp, …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) pids.push(Number(entry));
    } catch {
      // Exited while being read.
    }
  }
  return pids;
}

// KILL_GRACE_MS unset is the default of 5 s: the sessions ignoring SIGTERM are killed after it.
describe.each([
  ['SIGTERM', '1000', 'a kill grace of 1 s'],
  ['SIGINT', '1000', 'a kill grace of 1 s'],
  ['SIGTERM', '', 'the default kill grace of 5 s'],
] as const)('shutdown on %s under load, KILL_GRACE_MS=%s', (signal, killGraceMs, grace) => {
  it(`exits 0 within 10 s of ${signal} with ${STREAMS} open streams and ${SLEEPERS + TERM_IGNORERS} live sessions and ${grace}, ending every stream and leaving no process`, async () => {
    const main = await runMain({ SSE_MAX_CONNECTIONS: '300', KILL_GRACE_MS: killGraceMs, RATE_LIMIT_PER_MINUTE: '100000', SESSIONS_MAX_LIVE: '64' });
    const url = await waitFor(() => /"url":"(http:\/\/[^"]+)"/.exec(main.output())?.[1], 20_000, main.output);

    const commands = [
      ...Array.from({ length: SLEEPERS }, () => ['sleep', '60']),
      ...Array.from({ length: TERM_IGNORERS }, () => ['sh', '-c', "trap '' TERM; sleep 60; echo done"]),
    ];
    const sessions = await Promise.all(commands.map(async (command) => (await sendJson<Session>(`${url}/api/sessions`, 'POST', { command })).body));
    groups.push(...sessions.map((s) => s.pid as number));
    const streams = Array.from({ length: STREAMS }, () => openStream(`${url}/api/sse/sessions`));
    await Promise.all(streams.map((s) => s.started));
    const members = sessions.flatMap((s) => groupMembers(s.pid as number));

    expect(sessions.map((s) => s.status)).toEqual(commands.map(() => 'running'));
    expect(sessions.every((s) => exists(s.pid as number))).toBe(true);
    // Each shell and its sleep, both ignoring SIGTERM, besides the sleepers.
    if (existsSync('/proc/self/stat')) expect(members).toHaveLength(SLEEPERS + 2 * TERM_IGNORERS);

    const signalledAt = Date.now();
    main.child.kill(signal);
    const result = await main.exited;
    const ends = await Promise.all(streams.map((s) => s.ended));

    console.log(
      `${signal}, KILL_GRACE_MS=${killGraceMs || 'default'}: exited ${result.code} after ${result.at - signalledAt} ms; ${ends.filter((e) => e.complete).length}/${STREAMS} streams ended cleanly; ` +
        `${members.length} processes in ${sessions.length} session groups`,
    );
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });
    expect(result.at - signalledAt).toBeLessThan(10_000);
    expect(ends).toEqual(streams.map(() => ({ complete: true })));
    expect(main.output()).not.toMatch(/took too long/);
    // Session leaders were reaped by the server; a shell's own sleep, orphaned, by init.
    await waitFor(
      () => (sessions.some((s) => exists(-(s.pid as number))) || members.some(exists) ? undefined : true),
      5000,
      () => `still there: ${members.filter(exists).join(', ')}`,
    );
  });
});
