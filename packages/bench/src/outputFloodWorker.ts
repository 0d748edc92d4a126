import http from 'node:http';
import { countOutputFrames, type OutputCounts } from './countOutputFrames.ts';

// One process following a session's output on many streams, so that the clients do not share
// the coordinator's event loop. Driven over IPC by OutputFollowers.

/** What the coordinator asks. */
export type OutputWorkerRequest =
  | { seq: number; type: 'open'; url: string; count: number }
  | { seq: number; type: 'report' }
  | { seq: number; type: 'close' };

/** What one worker's streams received since they opened. */
export interface OutputWorkerReport extends OutputCounts {
  open: number;
  failed: number;
}

export interface OutputWorkerReply {
  seq: number;
  report: OutputWorkerReport;
}

const requests = new Set<http.ClientRequest>();
const report: OutputWorkerReport = { open: 0, failed: 0, events: 0, bytes: 0, truncated: 0, ends: 0 };

function follow(url: string): Promise<void> {
  return new Promise((resolve) => {
    const request = http.request(url, { agent: false, headers: { accept: 'text/event-stream' } });
    requests.add(request);
    const count = countOutputFrames(report);
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
