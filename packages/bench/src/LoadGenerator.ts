import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PhaseReport } from './DeliveryRecorder.ts';
import { epochNow } from './epochNow.ts';
import { concatSamples } from './stats.ts';
import type { OpenReport, ProgressReport, WorkerReply, WorkerRequest } from './workerMessages.ts';

/** Options of {@link LoadGenerator.start}. */
export interface LoadGeneratorOptions {
  /** Worker processes sharing the streams. @default 4 */
  workers?: number;
  /** Streams each worker has connecting at once. @default 100 */
  concurrency?: number;
}

/** How N streams opened, summed over the workers. */
export interface OpenResult {
  opened: number;
  failed: number;
  /** From the request to open until the last stream got its snapshot, in ms. */
  openMs: number;
  errors: string[];
}

/** One phase, merged over the workers. */
export interface PhaseResult {
  deliveries: number;
  /** Deliveries per event id over all streams. */
  counts: Map<string, number>;
  latencies: Float64Array;
  firstAt: number;
  lastAt: number;
  dropped: number;
  unexpected: number;
}

interface Pending {
  resolve(reply: WorkerReply): void;
  reject(error: Error): void;
}

/**
 * Opens streams from several worker processes (so the client is not one busy event loop)
 * and gathers what they received. Loopback only: every URL it is given is 127.0.0.1.
 */
export class LoadGenerator {
  readonly #workers: ChildProcess[];
  readonly #concurrency: number;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  #stopping = false;

  private constructor(workers: ChildProcess[], concurrency: number) {
    this.#workers = workers;
    this.#concurrency = concurrency;
    for (const worker of workers) {
      worker.on('message', (reply: WorkerReply) => {
        const pending = this.#pending.get(reply.seq);
        this.#pending.delete(reply.seq);
        pending?.resolve(reply);
      });
      worker.once('exit', (code, signal) => {
        if (this.#stopping) return;
        // Every request in flight fails: no run may wait forever on a worker that is gone.
        for (const pending of this.#pending.values()) pending.reject(new Error(`load worker exited (${signal ?? code})`));
        this.#pending.clear();
      });
    }
  }

  /** Forks the workers (TypeScript through tsx's loader, with `gc` exposed for between runs). */
  static start(options: LoadGeneratorOptions = {}): LoadGenerator {
    const count = options.workers ?? 4;
    const script = fileURLToPath(new URL('./loadWorker.ts', import.meta.url));
    const tsx = import.meta.resolve('tsx');
    const workers = Array.from({ length: count }, () =>
      fork(script, [], {
        execArgv: ['--import', tsx, '--expose-gc'],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    return new LoadGenerator(workers, options.concurrency ?? 100);
  }

  get workerCount(): number {
    return this.#workers.length;
  }

  /** Opens `count` streams to `url`, spread evenly over the workers. */
  async open(url: string, count: number): Promise<OpenResult> {
    const shares = this.#workers.map((_, index) => Math.floor(count / this.#workers.length) + (index < count % this.#workers.length ? 1 : 0));
    const startedAt = epochNow();
    const replies = await Promise.all(
      this.#workers.map((worker, index) =>
        this.#ask<OpenReport>(worker, { type: 'open', url, count: shares[index] ?? 0, concurrency: this.#concurrency }),
      ),
    );
    const lastOpenAt = Math.max(...replies.map((report) => (Number.isNaN(report.lastOpenAt) ? startedAt : report.lastOpenAt)));
    return {
      opened: replies.reduce((sum, report) => sum + report.opened, 0),
      failed: replies.reduce((sum, report) => sum + report.failed, 0),
      openMs: lastOpenAt - startedAt,
      errors: replies.flatMap((report) => report.errors).slice(0, 5),
    };
  }

  /** Starts a phase: deliveries recorded so far are dropped. */
  async startPhase(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => this.#ask(worker, { type: 'phase' })));
  }

  /** Deliveries, dropped streams and unexpected frames of the current phase so far. */
  async progress(): Promise<ProgressReport> {
    const reports = await Promise.all(this.#workers.map((worker) => this.#ask<ProgressReport>(worker, { type: 'progress' })));
    return sumProgress(reports);
  }

  /**
   * Polls until `deliveries` have arrived or `deadline` (epoch ms) passes.
   * @returns true when all arrived.
   */
  async waitForDeliveries(deliveries: number, deadline: number, pollMs = 25): Promise<boolean> {
    for (;;) {
      const { deliveries: received } = await this.progress();
      if (received >= deliveries) return true;
      if (epochNow() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Everything the workers recorded in the current phase. */
  async collect(): Promise<PhaseResult> {
    const replies = await Promise.all(this.#workers.map((worker) => this.#askRaw(worker, { type: 'collect' })));
    const reports: PhaseReport[] = [];
    const progress: ProgressReport[] = [];
    for (const reply of replies) {
      if (reply.type !== 'collect') throw new Error(`unexpected reply ${reply.type}`);
      reports.push(reply.report);
      progress.push(reply.progress);
    }
    const counts = new Map<string, number>();
    for (const report of reports) for (const [id, n] of report.counts) counts.set(id, (counts.get(id) ?? 0) + n);
    const firsts = reports.map((report) => report.firstAt).filter((at) => !Number.isNaN(at));
    const lasts = reports.map((report) => report.lastAt).filter((at) => !Number.isNaN(at));
    const { dropped, unexpected } = sumProgress(progress);
    return {
      deliveries: reports.reduce((sum, report) => sum + report.deliveries, 0),
      counts,
      latencies: concatSamples(reports.map((report) => report.latencies)),
      firstAt: firsts.length > 0 ? Math.min(...firsts) : Number.NaN,
      lastAt: lasts.length > 0 ? Math.max(...lasts) : Number.NaN,
      dropped,
      unexpected,
    };
  }

  /** Closes every stream. */
  async closeStreams(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => this.#ask(worker, { type: 'close' })));
  }

  /** Ends the workers. */
  stop(): void {
    this.#stopping = true;
    for (const worker of this.#workers) if (worker.connected) worker.disconnect();
  }

  async #ask<T>(worker: ChildProcess, request: DistributiveOmit<WorkerRequest, 'seq'>): Promise<T> {
    const reply = await this.#askRaw(worker, request);
    return ('report' in reply ? reply.report : undefined) as T;
  }

  #askRaw(worker: ChildProcess, request: DistributiveOmit<WorkerRequest, 'seq'>): Promise<WorkerReply> {
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      if (!worker.connected) {
        reject(new Error('load worker is gone'));
        return;
      }
      this.#pending.set(seq, { resolve, reject });
      worker.send({ ...request, seq }, (error) => {
        if (error) {
          this.#pending.delete(seq);
          reject(error);
        }
      });
    });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function sumProgress(reports: readonly ProgressReport[]): ProgressReport {
  return {
    deliveries: reports.reduce((sum, report) => sum + report.deliveries, 0),
    dropped: reports.reduce((sum, report) => sum + report.dropped, 0),
    unexpected: reports.reduce((sum, report) => sum + report.unexpected, 0),
  };
}
