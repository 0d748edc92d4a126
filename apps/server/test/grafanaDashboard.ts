import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPS_DIR } from './prometheus.ts';

export interface GrafanaTarget {
  refId: string;
  expr: string;
  datasource?: { type: string; uid: string };
}

export interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  fieldConfig?: { defaults: { unit?: string } };
  targets?: GrafanaTarget[];
}

export interface GrafanaDashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: GrafanaPanel[];
  templating: { list: { name: string; type: string; query: unknown; allValue?: string; includeAll?: boolean }[] };
}

export const dashboard = JSON.parse(readFileSync(join(OPS_DIR, 'grafana', 'sessionboard.json'), 'utf8')) as GrafanaDashboard;

/** Panels that draw data (not rows). */
export const dataPanels = dashboard.panels.filter((panel) => panel.type !== 'row');

/**
 * Metrics that other branches add (output, cluster): until they are merged, a query over
 * them parses but returns no series. After the merge, drop the output ones; the cluster
 * ones stay until the panel test runs its server with REDIS_URL.
 */
export const METRICS_FROM_OTHER_BRANCHES = [
  // Only with REDIS_URL (issue 12); the panel test's server runs alone.
  'cluster_instances',
  'redis_up',
] as const;

/** A panel query as Prometheus gets it from Grafana: variables replaced (all instances, a 5 s rate window). */
export function asPrometheusQuery(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5s').replaceAll('$__interval', '5s').replaceAll('$instance', '.*');
}
