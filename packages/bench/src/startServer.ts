import { spawn } from 'node:child_process';
import http from 'node:http';
import type { BenchTarget } from './BenchTarget.ts';
import { readRssBytes } from './procStats.ts';

/** What a server holds in memory, read by {@link RunningServer.readMemory}. */
export interface ServerMemory {
  /** Resident set size before the GC, as the OS sees it. */
  rssBytes: number;
  /** V8 heap in use after a full GC: the live JavaScript objects. */
  heapUsedBytes: number;
}

const MEMORY_MARK = 'bench-memory ';

/**
 * Node flags every server runs with: `gc` exposed and a one-line preload that, on SIGUSR2,
 * runs a full GC and reports the heap then in use on stderr. It adds no code to any path a
 * stream takes.
 */
export const MEMORY_PROBE_FLAGS = [
  '--expose-gc',
  '--import',
  `data:text/javascript,process.on('SIGUSR2',()=>{globalThis.gc();process.stderr.write('${MEMORY_MARK}'+process.memoryUsage().heapUsed+'\\n')})`,
];

/** A target's server, running as a child process on 127.0.0.1. */
export interface RunningServer {
  pid: number;
  baseUrl: string;
  /** Waits `ms`, reads the RSS, then has the server run a full GC and report its heap. */
  readMemory(settleMs: number): Promise<ServerMemory>;
  /** The last lines it wrote to stderr, for error messages. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `target` on `port`, with `extraNodeArgs` (e.g. `--cpu-prof`) among its Node flags, and
 * resolves once `GET /api/health` answers 200.
 * @throws when it exits or stays unhealthy for `timeoutMs`.
 */
export async function startServer(
  target: BenchTarget,
  port: number,
  extraNodeArgs: readonly string[] = [],
  timeoutMs = 20_000,
): Promise<RunningServer> {
  const [file, args] =
    target.executable === undefined
      ? [process.execPath, [...MEMORY_PROBE_FLAGS, ...target.nodeArgs, ...extraNodeArgs, target.script]]
      : [target.executable, []];
  const child = spawn(file, args, {
    cwd: target.cwd,
    env: { ...process.env, ...target.env, HOST: '127.0.0.1', PORT: String(port) },
    // Its logs go nowhere (a full pipe would stall it); stderr is kept for errors.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let onHeap: ((bytes: number) => void) | undefined;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
    const mark = stderr.lastIndexOf(MEMORY_MARK);
    const end = mark < 0 ? -1 : stderr.indexOf('\n', mark);
    if (onHeap && end > 0) {
      onHeap(Number(stderr.slice(mark + MEMORY_MARK.length, end)));
      onHeap = undefined;
      stderr = stderr.slice(0, mark) + stderr.slice(end + 1);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  const server: RunningServer = {
    pid: child.pid ?? -1,
    baseUrl: `http://127.0.0.1:${port}`,
    async readMemory(settleMs) {
      await sleep(settleMs);
      // RSS first: a forced GC may itself grow V8's young generation.
      const rssBytes = readRssBytes(child.pid ?? -1);
      const heap = new Promise<number>((resolve) => (onHeap = resolve));
      child.kill('SIGUSR2');
      const heapUsedBytes = await Promise.race([heap, sleep(HEAP_REPORT_TIMEOUT_MS).then(() => Number.NaN)]);
      return { rssBytes, heapUsedBytes };
    },
    stderrTail: () => stderr,
    async stop(graceMs = 5000) {
      if (hasExited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (!(await healthy(server.baseUrl))) {
    if (hasExited) throw new Error(`${target.label} exited while starting:\n${stderr}`);
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${target.label} was not healthy after ${timeoutMs} ms:\n${stderr}`);
    }
    await sleep(50);
  }
  return server;
}

const HEAP_REPORT_TIMEOUT_MS = 10_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function healthy(baseUrl: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(`${baseUrl}/api/health`, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.setTimeout(1000, () => request.destroy());
  });
}
