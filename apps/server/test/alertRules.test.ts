import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { OPS_DIR } from './prometheus.ts';

const RULES_DIR = join(OPS_DIR, 'prometheus');

interface AlertRule {
  alert: string;
  expr: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
}

interface RuleTest {
  alert_rule_test: { alertname: string; exp_alerts: unknown[] }[];
}

const rules = (parseYaml(readFileSync(join(RULES_DIR, 'alerts.yml'), 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups.flatMap((group) => group.rules);
const tests = (parseYaml(readFileSync(join(RULES_DIR, 'alerts.test.yml'), 'utf8')) as { tests: RuleTest[] }).tests;

function promtool(...args: string[]) {
  const run = spawnSync('promtool', args, { cwd: RULES_DIR, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('ops/prometheus/alerts.yml', () => {
  it('passes promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', 'alerts.yml');
    expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(status).toBe(0);
  });

  it('passes its promtool unit tests (alerts.test.yml)', () => {
    const { status, output } = promtool('test', 'rules', 'alerts.test.yml');
    expect(output).toContain('SUCCESS');
    expect(output).not.toContain('FAILED');
    expect(status).toBe(0);
  });

  it('has the alerts the operations plan asks for, each with a severity and a runbook line', () => {
    expect(rules.map((rule) => rule.alert).sort()).toEqual(
      [
        'SessionboardClusterInstanceMissing',
        'SessionboardEventLoopLag',
        'SessionboardHigh5xxRate',
        'SessionboardInstanceDown',
        'SessionboardMemoryNearCap',
        'SessionboardRedisDown',
        'SessionboardResumeSnapshotsSpiking',
        'SessionboardStreamErrors',
        'SessionboardStreamsRefused',
      ].sort(),
    );
    for (const rule of rules) {
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.runbook?.length, rule.alert).toBeGreaterThan(20);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.runbook_url, rule.alert).toBe(`docs/operations.md#${rule.alert.toLowerCase()}`);
    }
  });

  it('has, for every alert, a unit test where it fires and one where it stays quiet', () => {
    const cases = tests.flatMap((test) => test.alert_rule_test);
    for (const rule of rules) {
      const mine = cases.filter((c) => c.alertname === rule.alert);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${rule.alert} fires`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${rule.alert} stays quiet`).toBe(true);
    }
  });

  it('links every runbook to a section of docs/operations.md', () => {
    const doc = readFileSync(join(OPS_DIR, '..', 'docs', 'operations.md'), 'utf8');
    for (const rule of rules) expect(doc, rule.alert).toContain(`### ${rule.alert}`);
  });
});
