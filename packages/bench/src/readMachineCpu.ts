import { readFileSync } from 'node:fs';

/** Jiffies the machine's CPUs have spent, all together and busy, from `/proc/stat`. */
export interface MachineCpu {
  total: number;
  busy: number;
}

export function readMachineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [, ...fields] = line.trim().split(/\s+/);
  const values = fields.map(Number);
  const total = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
  // idle and iowait
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { total, busy: total - idle };
}

/** The share of the machine's CPU time that was busy between two readings, in %. */
export function busyPercent(before: MachineCpu, after: MachineCpu): number {
  const total = after.total - before.total;
  return total > 0 ? ((after.busy - before.busy) / total) * 100 : Number.NaN;
}
