import type { Registry } from 'prom-client';
import { counterReadOnScrape, gaugeReadOnScrape } from '../metrics/readOnScrape.ts';
import type { ClusterOutputStats } from './ClusterOutputs.ts';

/**
 * Adds the metrics of sessions' output across the cluster to `registry`, read when scraped:
 * `output_cluster_carried_bytes_total` and `output_cluster_skipped_bytes_total` (counters:
 * this instance's output written into Redis, and left out by the carry bound),
 * `output_cluster_mirrors` and `output_cluster_mirror_bytes` (gauges: copies of other
 * instances' output kept here, and the memory they hold).
 */
export function registerClusterOutputMetrics(registry: Registry, cluster: { outputStats(): ClusterOutputStats }): void {
  const counter = (name: string, help: string, read: (stats: ClusterOutputStats) => number) =>
    counterReadOnScrape(registry, name, help, () => read(cluster.outputStats()));
  const gauge = (name: string, help: string, read: (stats: ClusterOutputStats) => number) =>
    gaugeReadOnScrape(registry, name, help, () => read(cluster.outputStats()));
  counter('output_cluster_carried_bytes_total', "Bytes of this instance's sessions' output written into Redis for the other instances.", (stats) => stats.carriedBytes);
  counter(
    'output_cluster_skipped_bytes_total',
    "Bytes of this instance's sessions' output not written into Redis: over the carry bound (1 MiB/s per session after a burst of SESSIONS_OUTPUT_BYTES).",
    (stats) => stats.skippedBytes,
  );
  gauge('output_cluster_mirrors', "Copies of other instances' sessions' output kept here for readers.", (stats) => stats.mirrors);
  gauge('output_cluster_mirror_bytes', "Memory held by those copies.", (stats) => stats.mirrorBytes);
}
