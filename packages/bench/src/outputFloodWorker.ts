import http from 'node:http';

// One process following a session's output on many streams, so that the clients do not share
// the coordinator's event loop. Driven over IPC by OutputFollowers.

/** What the coordinator asks. */
export type OutputWorkerRequest =
  | { seq: number; type: 'open'; url: string; count: number }
  | { seq: number; type: 'report' }
  | { seq: number; type: 'close' };

/** What one worker's streams received since they opened. */
export interface OutputWorkerReport {
  open: number;
  failed: number;
  /** `output` events over all streams. */
  events: number;
  /** Bytes of output received (offset advances), over all streams. */
  bytes: number;
  truncated: number;
  ends: number;
}

export interface OutputWorkerReply {
  seq: number;
  report: OutputWorkerReport;
}

const requests = new Set<http.ClientRequest>();
const report: OutputWorkerReport = { open: 0, failed: 0, events: 0, bytes: 0, truncated: 0, ends: 0 };

const ID = Buffer.from('\nid: ');
const TRUNCATED = Buffer.from('{"type":"truncated","from":');
const END = Buffer.from('\nevent: end\n');

/**
 * Counts a stream's output events and bytes by scanning its raw bytes for the `id:` lines and
 * `truncated` payloads: much cheaper than a full parse of 256 KiB data lines, so one process
 * can keep up with many streams. Neither pattern can occur inside an event's JSON data (no raw
 * line breaks, escaped quotes).
 */
function createCounter() {
  // A stream without an id starts at offset 0.
  let offset = 0;
  let carry = Buffer.alloc(0);
  return (chunk: Buffer) => {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let at = 0;
    for (;;) {
      const id = data.indexOf(ID, at);
      const truncated = data.indexOf(TRUNCATED, at);
      const next = id < 0 ? truncated : truncated < 0 ? id : Math.min(id, truncated);
      if (next < 0) break;
      const digits = next + (next === id ? ID.length : TRUNCATED.length);
      const stop = data.indexOf(next === id ? 0x0a : 0x7d, digits);
      if (stop < 0) {
        at = next;
        break;
      }
      const value = Number(data.toString('latin1', digits, stop));
      if (next === id) {
        report.events += 1;
        report.bytes += value - offset;
      } else {
        report.truncated += 1;
      }
      offset = value;
      at = stop;
    }
    if (data.indexOf(END) >= 0) report.ends += 1;
    // Keep what may hold the start of a pattern cut off by the chunk's end.
    carry = Buffer.from(data.subarray(Math.max(at, data.length - TRUNCATED.length - 20)));
  };
}

function follow(url: string): Promise<void> {
  return new Promise((resolve) => {
    const request = http.request(url, { agent: false, headers: { accept: 'text/event-stream' } });
    requests.add(request);
    const count = createCounter();
    request.on('error', () => {
      report.failed += 1;
      resolve();
    });
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        report.failed += 1;
        response.resume();
        resolve();
        return;
      }
      report.open += 1;
      response.on('data', count);
      response.on('close', () => {
        report.open -= 1;
        requests.delete(request);
      });
      resolve();
    });
    request.end();
  });
}

process.on('message', (message: OutputWorkerRequest) => {
  const reply = () => process.send?.({ seq: message.seq, report: { ...report } } satisfies OutputWorkerReply);
  switch (message.type) {
    case 'open':
      void Promise.all(Array.from({ length: message.count }, () => follow(message.url))).then(reply);
      break;
    case 'report':
      reply();
      break;
    case 'close':
      for (const request of requests) request.destroy();
      requests.clear();
      reply();
      break;
  }
});
process.on('disconnect', () => process.exit(0));
