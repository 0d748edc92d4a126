import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { API_PATHS, sessionOutputPath } from '@sessionboard/protocol';
import type { Session, SessionOutputResponse } from '@sessionboard/protocol';
import type { BenchTarget } from './BenchTarget.ts';
import { apiRequest } from './apiRequest.ts';
import { freePort } from './freePort.ts';
import { startServer, type RunningServer } from './startServer.ts';

/** The shape of the memory run: issue 13's figure by default. */
export interface OutputMemoryOptions {
  /** Sessions left running after printing `liveBytes` each. @default 64 */
  live?: number;
  /** @default 10 MB (10 × 2^20 bytes) */
  liveBytes?: number;
  /** Sessions that print `endedBytes` and exit. @default 200 */
  ended?: number;
  /** @default 1 MiB */
  endedBytes?: number;
  /** Sessions started at once. @default 16 */
  concurrency?: number;
}

export interface OutputMemoryResult {
  live: number;
  liveBytes: number;
  ended: number;
  endedBytes: number;
  /** RSS of the idle server, before any session. */
  rssIdleMb: number;
  /** RSS with every session's output printed and kept, after a pause. */
  rssMb: number;
  /** The live JS heap then (after a full GC). */
  heapMb: number;
  /** What `/metrics` says is kept, in MiB. */
  keptMemoryMib: number;
  keptDiskMib: number;
  /** How long printing and keeping it all took. */
  fillS: number;
  error?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Issue 13's memory figure: `live` sessions each having printed `liveBytes` and still running,
 * `ended` sessions each having printed `endedBytes` and exited; the server's RSS once all of it
 * is kept. Sessions print lines of text from a file made for the run (`head -c`, no shell
 * between them and the server beyond `sh -c` to keep the live ones running).
 */
export async function runOutputMemory(target: BenchTarget, options: OutputMemoryOptions = {}): Promise<OutputMemoryResult> {
  const live = options.live ?? 64;
  const liveBytes = options.liveBytes ?? 10 * 2 ** 20;
  const ended = options.ended ?? 200;
  const endedBytes = options.endedBytes ?? 2 ** 20;
  const concurrency = options.concurrency ?? 16;
  const result: OutputMemoryResult = {
    live,
    liveBytes,
    ended,
    endedBytes,
    rssIdleMb: Number.NaN,
    rssMb: Number.NaN,
    heapMb: Number.NaN,
    keptMemoryMib: Number.NaN,
    keptDiskMib: Number.NaN,
    fillS: Number.NaN,
  };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sessionboard-bench-output-'));
  const text = path.join(dir, 'lines.txt');
  let server: RunningServer | undefined;
  try {
    const line = 'a line of output such as a build prints, with a number: ';
    const lines: string[] = [];
    for (let bytes = 0, i = 0; bytes < Math.max(liveBytes, endedBytes); i++) {
      const next = `${line}${i}\n`;
      lines.push(next);
      bytes += next.length;
    }
    await writeFile(text, lines.join(''));
    const env = { ...target.env, SESSIONS_MAX_LIVE: String(live), SESSIONS_KEEP_ENDED: String(ended), FS_ROOT: dir };
    server = await startServer({ ...target, env }, await freePort());
    result.rssIdleMb = (await server.readMemory(1000)).rssBytes / 2 ** 20;
    const base = server.baseUrl;
    const started = Date.now();

    await inBatches(ended, concurrency, async () => {
      const session = await post(base, { command: ['head', '-c', String(endedBytes), text] });
      await waitForOutput(base, session.id, endedBytes, true);
    });
    await inBatches(live, concurrency, async () => {
      const session = await post(base, { command: ['sh', '-c', `head -c ${liveBytes} "$0"; exec sleep 3600`, text] });
      await waitForOutput(base, session.id, liveBytes, false);
    });
    result.fillS = (Date.now() - started) / 1000;

    const memory = await server.readMemory(2000);
    result.rssMb = memory.rssBytes / 2 ** 20;
    result.heapMb = memory.heapUsedBytes / 2 ** 20;
    const metrics = (await apiRequest(base, 'GET', API_PATHS.metrics, undefined, 'text')) as string;
    const kept = (storage: string) => Number(new RegExp(`^output_bytes_kept\\{storage="${storage}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]) / 2 ** 20;
    result.keptMemoryMib = kept('memory');
    result.keptDiskMib = kept('disk');
  } catch (error) {
    result.error = (error as Error).message;
  } finally {
    await server?.stop(9000);
    await rm(dir, { recursive: true, force: true });
  }
  return result;
}

async function inBatches(count: number, concurrency: number, task: () => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next += 1;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

/** Polls a session's output until `bytes` were printed (and, with `ended`, the output is complete). */
async function waitForOutput(baseUrl: string, id: string, bytes: number, ended: boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    // The window holds the last bytes: `from` plus what one read returns tells the end when it is short.
    const answer = (await apiRequest(baseUrl, 'GET', `${sessionOutputPath(id)}?after=${bytes - 1}`)) as SessionOutputResponse;
    if (answer.offset >= bytes && (!ended || answer.ended)) return;
    if (Date.now() > deadline) throw new Error(`session ${id} printed ${answer.offset} of ${bytes} bytes in 120 s`);
    await sleep(100);
  }
}

async function post(baseUrl: string, body: unknown): Promise<Session> {
  const session = (await apiRequest(baseUrl, 'POST', API_PATHS.sessions, body)) as Session;
  if (session.status !== 'running') throw new Error(`a session could not start: ${session.error ?? session.status}`);
  return session;
}
