/** What output streams received, summed over streams. */
export interface OutputCounts {
  /** `output` events. */
  events: number;
  /** Bytes of output, as the offsets advanced. */
  bytes: number;
  truncated: number;
  ends: number;
}

const ID = Buffer.from('\nid: ');
const TRUNCATED = Buffer.from('{"type":"truncated","from":');
const END = Buffer.from('\nevent: end\n');

/**
 * A counter for one output stream's raw bytes, adding to `counts`: it finds the `id:` lines of
 * `output` events and the `from` of `truncated` ones by byte search, which costs far less than
 * parsing 256 KiB data lines, so that one process keeps up with many streams. Neither pattern
 * can occur inside an event's JSON data (no raw line breaks; quotes escaped). The stream is
 * taken to start without an id, at offset 0.
 */
export function countOutputFrames(counts: OutputCounts): (chunk: Buffer) => void {
  let offset = 0;
  let carry = Buffer.alloc(0);
  return (chunk) => {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const find = (pattern: Buffer, from: number) => {
      const found = data.indexOf(pattern, from);
      return found < 0 ? Infinity : found;
    };
    let at = 0;
    let id = find(ID, 0);
    let truncated = find(TRUNCATED, 0);
    let end = find(END, 0);
    for (;;) {
      const next = Math.min(id, truncated, end);
      if (next === Infinity) break;
      if (next === end) {
        counts.ends += 1;
        at = end + END.length;
      } else {
        const digits = next + (next === id ? ID.length : TRUNCATED.length);
        const stop = data.indexOf(next === id ? 0x0a : 0x7d, digits);
        if (stop < 0) {
          at = next;
          break;
        }
        const value = Number(data.toString('latin1', digits, stop));
        if (next === id) {
          counts.events += 1;
          counts.bytes += value - offset;
        } else {
          counts.truncated += 1;
        }
        offset = value;
        at = stop;
      }
      // Only a pattern passed over is searched for again: the others still lie ahead, at the
      // same place, so a chunk is scanned once for each rather than once per event.
      if (id < at) id = find(ID, at);
      if (truncated < at) truncated = find(TRUNCATED, at);
      if (end < at) end = find(END, at);
    }
    // What may hold the start of a pattern cut off by the chunk's end, and nothing already counted.
    carry = Buffer.from(data.subarray(Math.max(at, data.length - TRUNCATED.length - 20)));
  };
}
