import type { RawRun } from '../output/readRawWindow.ts';

/**
 * One entry of a session's output copy in Redis (a stream, see `clusterKeys.output`): a piece
 * of output, `start..end`, or the end mark, which says the output is complete at `end`.
 */
export type OutputEntry =
  | { type: 'piece'; id: string; end: number; start: number; runs: RawRun[]; bytes: Buffer }
  | { type: 'end'; id: string; end: number };

/** `o12,e5`: the runs of a piece, by stream and length. */
export function encodeRuns(runs: readonly RawRun[]): string {
  return runs.map((run) => `${run.stream === 'stdout' ? 'o' : 'e'}${run.length}`).join(',');
}

function decodeRuns(text: string): RawRun[] | undefined {
  const runs: RawRun[] = [];
  for (const part of text.split(',')) {
    const length = Number(part.slice(1));
    const stream = part[0] === 'o' ? 'stdout' : part[0] === 'e' ? 'stderr' : undefined;
    if (stream === undefined || !Number.isSafeInteger(length) || length <= 0) return undefined;
    runs.push({ stream, length });
  }
  return runs;
}

/**
 * An entry as `XRANGE` returns it with buffers (id, then field, value, …); undefined for one
 * that is not well formed (its runs not adding up to its bytes, an id not `<offset>-0|1`).
 */
export function decodeOutputEntry(rawId: Buffer | string, fields: readonly (Buffer | string)[]): OutputEntry | undefined {
  const id = rawId.toString();
  const match = /^(\d+)-([01])$/.exec(id);
  if (match === null) return undefined;
  const end = Number(match[1]);
  if (match[2] === '1') return { type: 'end', id, end };
  let start: number | undefined;
  let runs: RawRun[] | undefined;
  let bytes: Buffer | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]?.toString();
    const value = fields[i + 1] as Buffer | string;
    if (name === 'f') start = Number(value.toString());
    else if (name === 'r') runs = decodeRuns(value.toString());
    else if (name === 'b') bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1');
  }
  if (start === undefined || runs === undefined || bytes === undefined || !Number.isSafeInteger(start)) return undefined;
  if (start + bytes.length !== end || runs.reduce((sum, run) => sum + run.length, 0) !== bytes.length) return undefined;
  return { type: 'piece', id, end, start, runs, bytes };
}
