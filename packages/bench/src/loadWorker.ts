import http from 'node:http';
import { DeliveryRecorder } from './DeliveryRecorder.ts';
import { createStreamReader } from './createStreamReader.ts';
import { epochNow } from './epochNow.ts';
import type { OpenReport, ProgressReport, WorkerReply, WorkerRequest } from './workerMessages.ts';

// One load worker: a share of the streams, opened with raw `http` (no agent, a socket each),
// parsed with eventsource-parser, measured per delivery. Driven by its parent over IPC.

const recorder = new DeliveryRecorder();
const requests = new Set<http.ClientRequest>();
let expectOpen = false;
/** Bumped by every close, so that an open still under way stops starting streams. */
let generation = 0;
let dropped = 0;
let unexpected = 0;

function progress(): ProgressReport {
  return { deliveries: recorder.deliveries, dropped, unexpected };
}

function openStream(url: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      agent: false,
      headers: { accept: 'text/event-stream', 'cache-control': 'no-cache' },
    });
    requests.add(request);
    let settled = false;
    const fail = (reason: string) => {
      requests.delete(request);
      if (!settled) {
        settled = true;
        reject(new Error(reason));
      } else if (expectOpen) {
        dropped += 1;
      }
    };
    request.on('error', (error) => fail(error.message));
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        fail(`HTTP ${response.statusCode}`);
        request.destroy();
        return;
      }
      response.setEncoding('utf8');
      const reader = createStreamReader({
        recorder,
        onOpen() {
          settled = true;
          resolve();
        },
        onUnexpected() {
          unexpected += 1;
        },
      });
      response.on('data', (chunk: string) => reader.feed(chunk, epochNow()));
      response.on('close', () => fail('stream ended before its snapshot'));
    });
    request.end();
  });
}

async function open(url: URL, count: number, concurrency: number): Promise<OpenReport> {
  expectOpen = true;
  const report: OpenReport = { opened: 0, failed: 0, lastOpenAt: Number.NaN, errors: [] };
  let next = 0;
  const mine = generation;
  const lane = async () => {
    while (next < count && generation === mine) {
      next += 1;
      try {
        await openStream(url);
        report.opened += 1;
        report.lastOpenAt = epochNow();
      } catch (error) {
        report.failed += 1;
        if (report.errors.length < 5) report.errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return report;
}

function close(): void {
  generation += 1;
  expectOpen = false;
  for (const request of requests) request.destroy();
  requests.clear();
  dropped = 0;
  unexpected = 0;
  recorder.reset();
  (globalThis as { gc?: () => void }).gc?.();
}

function reply(message: WorkerReply): void {
  process.send?.(message);
}

process.on('message', (message: WorkerRequest) => {
  const { seq } = message;
  switch (message.type) {
    case 'open':
      void open(new URL(message.url), message.count, message.concurrency).then((report) =>
        reply({ seq, type: 'open', report }),
      );
      break;
    case 'phase':
      recorder.reset();
      reply({ seq, type: 'phase' });
      break;
    case 'progress':
      reply({ seq, type: 'progress', report: progress() });
      break;
    case 'collect':
      reply({ seq, type: 'collect', report: recorder.report(), progress: progress() });
      break;
    case 'close':
      close();
      reply({ seq, type: 'close' });
      break;
  }
});
process.on('disconnect', () => process.exit(0));
