/** What one load worker saw during one phase, sent back to the coordinator. */
export interface PhaseReport {
  /** Change events received, over all streams (a duplicate counts again). */
  deliveries: number;
  /** Deliveries per event id, to find the streams an event never reached. */
  counts: [id: string, deliveries: number][];
  /** Receipt time minus the event's `at`, in ms, one per delivery. */
  latencies: Float64Array;
  /** Epoch ms of the first and last delivery; NaN when there was none. */
  firstAt: number;
  lastAt: number;
}

/** Records change-event deliveries of one phase: latency, count per event id, first and last receipt. */
export class DeliveryRecorder {
  #latencies = new Float64Array(1024);
  #length = 0;
  #counts = new Map<string, number>();
  #firstAt = Number.NaN;
  #lastAt = Number.NaN;

  get deliveries(): number {
    return this.#length;
  }

  /** Records one delivery of event `id`, published at `at` and received at `receivedAt` (epoch ms). */
  record(id: string, at: number, receivedAt: number): void {
    if (this.#length === this.#latencies.length) {
      const grown = new Float64Array(this.#latencies.length * 2);
      grown.set(this.#latencies);
      this.#latencies = grown;
    }
    this.#latencies[this.#length++] = receivedAt - at;
    this.#counts.set(id, (this.#counts.get(id) ?? 0) + 1);
    if (this.#length === 1) this.#firstAt = receivedAt;
    this.#lastAt = receivedAt;
  }

  /** Starts a new phase. */
  reset(): void {
    this.#length = 0;
    this.#counts = new Map();
    this.#firstAt = Number.NaN;
    this.#lastAt = Number.NaN;
  }

  report(): PhaseReport {
    return {
      deliveries: this.#length,
      counts: [...this.#counts],
      latencies: this.#latencies.slice(0, this.#length),
      firstAt: this.#firstAt,
      lastAt: this.#lastAt,
    };
  }
}
