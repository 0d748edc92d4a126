import { describe, expect, it } from 'vitest';
import { dashboard, dataPanels } from './grafanaDashboard.ts';

const UNITS = new Set(['short', 'ops', 'reqps', 's', 'ms', 'bytes', 'percent', 'percentunit', 'bool_yes_no', 'none']);

describe('ops/grafana/sessionboard.json', () => {
  it('is a current Grafana dashboard with a uid, a title and a Prometheus datasource variable', () => {
    expect(dashboard.uid).toBe('sessionboard');
    expect(dashboard.title).toBe('Sessionboard');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const datasource = dashboard.templating.list.find((variable) => variable.type === 'datasource');
    expect(datasource).toMatchObject({ name: 'datasource', query: 'prometheus' });
    const instance = dashboard.templating.list.find((variable) => variable.name === 'instance');
    expect(instance).toMatchObject({ type: 'query', includeAll: true, allValue: '.*' });
  });

  it('gives every panel a unique id and a place on the grid that overlaps no other', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Map<string, string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row++) {
        for (let column = x; column < x + w; column++) {
          const key = `${row}:${column}`;
          expect(cells.get(key), `${panel.title} overlaps`).toBeUndefined();
          cells.set(key, panel.title);
        }
      }
    }
  });

  it('queries the datasource variable, with a unit and a description on every panel', () => {
    for (const panel of dataPanels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(UNITS, `${panel.title}: ${panel.fieldConfig?.defaults.unit}`).toContain(panel.fieldConfig?.defaults.unit);
      expect(panel.description?.length, panel.title).toBeGreaterThan(10);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      const refIds = panel.targets?.map((target) => target.refId) ?? [];
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
      for (const target of panel.targets ?? []) {
        expect(target.expr.length, panel.title).toBeGreaterThan(0);
        expect(target.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(target.expr, `${panel.title} filters by instance`).toContain('instance=~"$instance"');
      }
    }
  });

  it('has the panels the operations plan asks for', () => {
    expect(dataPanels.map((panel) => panel.title)).toEqual(
      expect.arrayContaining([
        'Streams open',
        'Streams vs polling clients',
        'Events/s',
        'Fan-out p99',
        'Resumes by outcome',
        'Rejected connections',
        '4xx and 5xx rate',
        'Rate-limited requests',
        'Sessions live',
        'Output streams',
        'Output bytes kept',
        'Cluster instances',
        'Redis up',
        'Process memory',
        'Event-loop lag',
      ]),
    );
  });
});
