import { readFileSync, readdirSync } from 'node:fs';

/** Resident set size of process `pid` in bytes, from `/proc/<pid>/status` (VmRSS). */
export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * CPU time process `pid` has used, in ms: the sum over its threads of `/proc/<pid>/task/<tid>/schedstat`
 * (nanoseconds on CPU), which is finer than the 10 ms ticks of `/proc/<pid>/stat`.
 */
export function readCpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1e6;
}
