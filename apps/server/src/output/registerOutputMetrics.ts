import { Gauge, type Registry } from 'prom-client';
import { counterReadOnScrape, gaugeReadOnScrape } from '../metrics/readOnScrape.ts';
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
  gaugeReadOnScrape(registry, 'output_memory_bytes', "Memory held for sessions' output: buffers (with room to grow) and indexes.", () => store.stats().heldBytes);
  gaugeReadOnScrape(registry, 'output_streams_open', 'Open output streams (GET /api/sse/sessions/:id/output).', () => streams.count);
  const counter = (name: string, help: string, read: () => number) => counterReadOnScrape(registry, name, help, read);
  counter('output_events_sent_total', 'Output events written to output streams.', () => streams.stats().events);
  counter('output_bytes_sent_total', 'Bytes of output written to output streams.', () => streams.stats().bytes);
  counter('output_truncated_total', 'Truncated events: an output stream fell behind the kept window.', () => streams.stats().truncated);
}
