import { Counter, Gauge, type Registry } from 'prom-client';
import type { OutputStore } from './OutputStore.ts';
import type { OutputStreams } from './OutputStreams.ts';

/**
 * Adds the output metrics to `registry`, read when scraped: `output_bytes_kept` (gauge, by
 * `storage`: memory or disk), `output_memory_bytes` (gauge, memory held for output, buffers
 * and indexes), `output_streams_open` (gauge), `output_events_sent_total`,
 * `output_bytes_sent_total` and `output_truncated_total` (counters).
 */
export function registerOutputMetrics(registry: Registry, { store, streams }: { store: OutputStore; streams: OutputStreams }): void {
  const registers = [registry];
  new Gauge({
    name: 'output_bytes_kept',
    help: "Bytes of sessions' output kept, by storage (memory: live and small; disk: complete).",
    labelNames: ['storage'] as const,
    registers,
    collect() {
      const stats = store.stats();
      this.set({ storage: 'memory' }, stats.memoryBytes);
      this.set({ storage: 'disk' }, stats.diskBytes);
    },
  });
  new Gauge({
    name: 'output_memory_bytes',
    help: "Memory held for sessions' output: buffers (with room to grow) and indexes.",
    registers,
    collect() {
      this.set(store.stats().heldBytes);
    },
  });
  new Gauge({
    name: 'output_streams_open',
    help: 'Open output streams (GET /api/sse/sessions/:id/output).',
    registers,
    collect() {
      this.set(streams.count);
    },
  });
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counter('output_events_sent_total', 'Output events written to output streams.', () => streams.stats().events);
  counter('output_bytes_sent_total', 'Bytes of output written to output streams.', () => streams.stats().bytes);
  counter('output_truncated_total', 'Truncated events: an output stream fell behind the kept window.', () => streams.stats().truncated);
}
