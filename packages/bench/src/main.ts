import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchTarget } from './BenchTarget.ts';
import { NODE_FLOOR, PEERS, REPO_ROOT, baselineTarget, sessionboardBuilt, sessionboardTarget } from './benchTargets.ts';
import { buildGoPeer } from './goPeer.ts';
import { evaluateTargets } from './evaluateTargets.ts';
import { formatRatios } from './formatRatios.ts';
import { formatTable } from './formatTable.ts';
import { parseBenchArgs } from './parseBenchArgs.ts';
import { renderChart, type ChartSeries } from './renderChart.ts';
import { renderReport } from './renderReport.ts';
import { runBench } from './runBench.ts';
import { runClusterBench } from './runClusterBench.ts';
import { runOutputBench } from './runOutputBench.ts';
import { spliceClusterSection } from './renderClusterReport.ts';
import { summarizeRuns } from './summarizeRuns.ts';

const COLORS: Record<string, string> = {
  'node-floor': '#7f7f7f',
  'socket-floor': '#2ca02c',
  go: '#17becf',
  sessionboard: '#1f77b4',
  'sessionboard-baseline': '#9467bd',
  'better-sse': '#ff7f0e',
  naive: '#d62728',
};

const options = parseBenchArgs(process.argv.slice(2), path.join(REPO_ROOT, 'docs'));
const startedAt = Date.now();

const targets: BenchTarget[] = [];
for (const key of options.targets) {
  if (key === 'go') {
    const go = buildGoPeer();
    if (typeof go === 'string') console.warn(go);
    else targets.push(go);
    continue;
  }
  if (key !== 'sessionboard') {
    const peer = PEERS.find((candidate) => candidate.key === key);
    if (peer) targets.push(peer);
    continue;
  }
  if (options.build) {
    console.log('building @sessionboard/server …');
    const build = spawnSync('pnpm', ['--filter', '@sessionboard/server', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (build.status !== 0) console.warn('the server build failed; Sessionboard is left out of this run');
  }
  if (sessionboardBuilt()) targets.push(sessionboardTarget(Math.max(...options.streams), options.cpuProfDir));
  else console.warn('apps/server/dist/main.js is missing; Sessionboard is left out of this run');
}
// pnpm runs the bench in its package's folder; a relative path is meant from where pnpm was run.
const invokedFrom = process.env.INIT_CWD ?? process.cwd();
if (options.baseline !== undefined) targets.push(baselineTarget(path.resolve(invokedFrom, options.baseline), Math.max(...options.streams)));
const labels = Object.fromEntries(targets.map((target) => [target.key, target.label]));

// Issue 13's output scenarios (runOutputBench.ts): after the stream runs, or alone.
const cpu = os.cpus();
const environment = `Measured ${new Date(startedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
const runOutput = async () => {
  if (!sessionboardBuilt()) return console.warn('apps/server/dist/main.js is missing; the output scenarios are left out');
  const outputOptions = { ...options, repeats: 1, environment };
  if (!(await runOutputBench(outputOptions)) && options.quick) process.exitCode = 1;
};
if (options.outputOnly) {
  await runOutput();
  process.exit();
}

// Issue 12's cluster row (runClusterBench.ts): before the report is written, or alone.
const runCluster = async (): Promise<string | undefined> => {
  if (!sessionboardBuilt()) {
    console.warn('apps/server/dist/main.js is missing; the cluster row is left out');
    return undefined;
  }
  console.log(`cluster: 2 instances × ${options.clusterStreams} streams on one Redis against a single server …`);
  const cluster = await runClusterBench({ streams: options.clusterStreams, repeats: options.repeats, workers: options.workers, quick: options.quick, cpuProfDir: options.cpuProfDir, environment });
  if (!cluster.ok && options.quick) process.exitCode = 1;
  return cluster.section;
};
if (options.clusterOnly) {
  const section = await runCluster();
  const report = options.outDir === undefined ? undefined : path.join(options.outDir, 'benchmarks.md');
  if (section !== undefined && report !== undefined) {
    writeFileSync(report, spliceClusterSection(existsSync(report) ? readFileSync(report, 'utf8') : '# Benchmarks\n', section));
    console.log(`wrote the cluster section of ${report}`);
  }
  process.exit();
}

const fds = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
const needed = Math.max(...options.streams) + 1000;
if (fds !== 'unlimited' && Number(fds) < needed) {
  console.warn(`ulimit -n is ${fds}; ${Math.max(...options.streams)} streams need about ${needed} descriptors per process`);
}

const plan = `${options.streams.join('/')} streams × ${options.repeats} repeat(s), ${options.workers} load workers`;
console.log(`${targets.map((target) => target.label).join(', ')} × ${plan}`);
let lastRunEnd = Date.now();
const runs = await runBench({
  targets,
  streams: options.streams,
  repeats: options.repeats,
  workers: options.workers,
  scenario: { rateDurationMs: options.rateDurationMs, burstEvents: options.burstEvents },
  onRun(run, index, total) {
    const seconds = ((Date.now() - lastRunEnd) / 1000).toFixed(0);
    lastRunEnd = Date.now();
    const figures = run.error
      ? `FAILED ${run.error.split('\n')[0]}`
      : [
          `${run.kbPerStream.toFixed(1)} KB/stream`,
          `open ${run.openMs.toFixed(0)} ms`,
          `p99 ${run.latency.p99.toFixed(1)} ms`,
          `burst ${Math.round(run.burstDeliveriesPerS)}/s`,
          `lost ${run.lost}`,
        ].join(', ');
    console.log(`[${index}/${total}] repeat ${run.repeat} ${labels[run.target]} ${run.streams} (${seconds} s): ${figures}`);
  },
});

const clusterSection = options.cluster && targets.some((target) => target.key === 'sessionboard') ? await runCluster() : undefined;

const rows = summarizeRuns(runs, NODE_FLOOR.key);
const table = formatTable(rows, labels, NODE_FLOOR.key);
const measured = targets.some((target) => target.key === 'sessionboard');
const checks = measured ? evaluateTargets(rows, 'sessionboard', NODE_FLOOR.key) : [];
console.log(`\n${table}\n`);
const ratios = formatRatios(runs, ['sessionboard', 'sessionboard-baseline'], ['socket-floor', 'go', 'sessionboard-baseline'], labels);
if (ratios !== '') console.log(`Ratios, repeat by repeat (lower is better but for deliveries/s):\n\n${ratios}\n`);
for (const check of checks) {
  console.log(`${check.met === undefined ? '—' : check.met ? 'met   ' : 'MISSED'} ${check.goal}: ${check.measured}`);
}

if (options.outDir) {
  mkdirSync(options.outDir, { recursive: true });
  const series: ChartSeries[] = targets.map(({ key, label }) => ({ key, label, color: COLORS[key] ?? '#333' }));
  const notesFile = fileURLToPath(new URL('../NOTES.md', import.meta.url));
  const cpu = os.cpus();
  const when = new Date(startedAt).toISOString().slice(0, 16).replace('T', ' ');
  const machine = `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`;
  writeFileSync(path.join(options.outDir, 'benchmarks.svg'), renderChart(rows, series));
  writeFileSync(
    path.join(options.outDir, 'benchmarks.md'),
    renderReport({
      options,
      table,
      checks,
      runs,
      labels,
      environment: `Measured ${when} UTC on ${machine}, ${os.type()} ${os.release()}, Node ${process.version}`,
      durationS: (Date.now() - startedAt) / 1000,
      notes: existsSync(notesFile) ? readFileSync(notesFile, 'utf8') : '',
      cluster: clusterSection,
    }),
  );
  console.log(`\nwrote ${path.join(options.outDir, 'benchmarks.md')} and benchmarks.svg`);
}

// A smoke run fails loudly: a server that did not finish or lost a delivery is a broken build.
if (options.quick && runs.some((run) => run.error !== undefined || run.lost > 0)) process.exitCode = 1;

if (options.output && measured) await runOutput();
