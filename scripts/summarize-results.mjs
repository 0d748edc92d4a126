#!/usr/bin/env node
// Counts what scripts/test.sh ran, from the runners' JSON reports and exit codes, and prints
// `N passed, M failed` as the last line. A runner that crashed, ran no test, or left no
// readable report counts as one failure, so nothing is silently green.
//
// Usage: summarize-results.mjs ITEM...
//   step NAME EXIT               a set-up step (ensure-deps, build): a non-zero exit is a failure
//   vitest EXIT FILE             Vitest's JSON report
//   playwright EXIT FILE         Playwright's JSON report (per-project counts)
//   skipped NAME REASON          a runner that could not run: one failure
// Exits 1 when anything failed.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const lines = [];
const failures = [];
let passed = 0;
let failed = 0;

function count(label, result) {
  passed += result.passed;
  failed += result.failed;
  const extras = [];
  if (result.flaky) extras.push(`${result.flaky} flaky`);
  if (result.skipped) extras.push(`${result.skipped} skipped`);
  const suffix = extras.length ? ` (${extras.join(', ')})` : '';
  lines.push(`${label}: ${result.passed} passed, ${result.failed} failed${suffix}`);
}

function fail(label, reason) {
  failed += 1;
  lines.push(`${label}: ${reason}`);
}

function readReport(label, exit, file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    fail(label, `no report (exit ${exit}): the runner crashed or did not start`);
    return null;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    fail(label, `unreadable report (exit ${exit}): ${error.message}`);
    return null;
  }
}

function summarizeVitest(exit, file) {
  const report = readReport('vitest', exit, file);
  if (report === null) return;
  const result = {
    passed: report.numPassedTests ?? 0,
    failed: report.numFailedTests ?? 0,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
  };
  for (const file of report.testResults ?? []) {
    const name = relative(process.cwd(), file.name);
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'failed') failures.push(`vitest ${name} › ${test.fullName}`);
    }
    // A file that failed without a failing test did not load or errored outside a test.
    const failedTests = (file.assertionResults ?? []).filter((test) => test.status === 'failed');
    if (file.status === 'failed' && failedTests.length === 0) {
      result.failed += 1;
      const message = (file.message ?? '').split('\n')[0];
      failures.push(`vitest ${name}: the file failed outside its tests: ${message}`);
    }
  }
  count('vitest', result);
  if (exit !== 0 && result.failed === 0) {
    fail('vitest', `exited ${exit} with no failed test (an error outside the tests, see above)`);
  }
  if (result.passed + result.failed === 0 && exit === 0) fail('vitest', 'ran no test');
}

function* playwrightTests(suite, titles = []) {
  const path = suite.title ? [...titles, suite.title] : titles;
  for (const spec of suite.specs ?? []) {
    for (const test of spec.tests ?? []) yield { spec, test, path };
  }
  for (const child of suite.suites ?? []) yield* playwrightTests(child, path);
}

function summarizePlaywright(exit, file) {
  const report = readReport('e2e', exit, file);
  if (report === null) return;
  const byProject = new Map();
  for (const suite of report.suites ?? []) {
    for (const { spec, test, path } of playwrightTests(suite)) {
      const project = test.projectName || 'default';
      if (!byProject.has(project)) byProject.set(project, { passed: 0, failed: 0, flaky: 0, skipped: 0 });
      const result = byProject.get(project);
      if (test.status === 'expected') result.passed += 1;
      else if (test.status === 'flaky') {
        result.passed += 1;
        result.flaky += 1;
      } else if (test.status === 'skipped') result.skipped += 1;
      else {
        result.failed += 1;
        failures.push(`e2e [${project}] ${[...path, spec.title].join(' › ')}`);
      }
    }
  }
  for (const [project, result] of [...byProject].sort(([a], [b]) => a.localeCompare(b))) {
    count(`e2e ${project}`, result);
  }
  for (const error of report.errors ?? []) {
    fail('e2e', `error outside the tests: ${(error.message ?? String(error)).split('\n')[0]}`);
  }
  const total = [...byProject.values()].reduce((sum, r) => sum + r.passed + r.failed, 0);
  const counted = [...byProject.values()].reduce((sum, r) => sum + r.failed, 0) + (report.errors ?? []).length;
  if (exit !== 0 && counted === 0) fail('e2e', `playwright exited ${exit} with no failed test`);
  if (total === 0 && exit === 0) fail('e2e', 'ran no test');
}

const args = process.argv.slice(2);
while (args.length > 0) {
  const kind = args.shift();
  if (kind === 'step') {
    const [name, exit] = args.splice(0, 2);
    if (Number(exit) !== 0) fail(name, `failed (exit ${exit})`);
  } else if (kind === 'vitest') {
    const [exit, file] = args.splice(0, 2);
    summarizeVitest(Number(exit), file);
  } else if (kind === 'playwright') {
    const [exit, file] = args.splice(0, 2);
    summarizePlaywright(Number(exit), file);
  } else if (kind === 'skipped') {
    const [name, reason] = args.splice(0, 2);
    fail(name, `not run: ${reason}`);
  } else {
    console.error(`summarize-results: unknown item ${kind}`);
    process.exit(2);
  }
}

console.log('');
console.log('==> summary');
if (failures.length > 0) {
  console.log('failed:');
  for (const failure of failures.slice(0, 100)) console.log(`  ${failure}`);
  if (failures.length > 100) console.log(`  … and ${failures.length - 100} more`);
}
for (const line of lines) console.log(line);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
