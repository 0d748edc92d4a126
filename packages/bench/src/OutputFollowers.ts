import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { OutputWorkerReply, OutputWorkerReport, OutputWorkerRequest } from './outputFloodWorker.ts';

const REPLY_TIMEOUT_MS = 30_000;

/**
 * Output streams followed from a worker process of their own (`outputFloodWorker.ts`), so that
 * parsing them does not share the coordinator's or the load workers' event loop.
 */
export class OutputFollowers {
  readonly #worker: ChildProcess;
  readonly #pending = new Map<number, (report: OutputWorkerReport) => void>();
  #seq = 0;

  private constructor(worker: ChildProcess) {
    this.#worker = worker;
    worker.on('message', (reply: OutputWorkerReply) => {
      this.#pending.get(reply.seq)?.(reply.report);
      this.#pending.delete(reply.seq);
    });
  }

  /** The worker's process id, for its CPU time. */
  get pid(): number {
    return this.#worker.pid ?? -1;
  }

  static start(): OutputFollowers {
    const script = fileURLToPath(new URL('./outputFloodWorker.ts', import.meta.url));
    const worker = fork(script, [], { execArgv: ['--import', import.meta.resolve('tsx')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new OutputFollowers(worker);
  }

  /** Opens `count` streams to `url`; resolves once each has its answer. */
  open(url: string, count: number): Promise<OutputWorkerReport> {
    return this.#ask({ type: 'open', url, count });
  }

  /** What the streams received so far. */
  report(): Promise<OutputWorkerReport> {
    return this.#ask({ type: 'report' });
  }

  /** Closes every stream. */
  close(): Promise<OutputWorkerReport> {
    return this.#ask({ type: 'close' });
  }

  stop(): void {
    if (this.#worker.connected) this.#worker.disconnect();
  }

  #ask(request: DistributiveOmit<OutputWorkerRequest, 'seq'>): Promise<OutputWorkerReport> {
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(seq);
        reject(new Error(`the output worker did not answer ${request.type} within ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      this.#pending.set(seq, (report) => {
        clearTimeout(timer);
        resolve(report);
      });
      this.#worker.send({ ...request, seq });
    });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
