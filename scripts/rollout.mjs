#!/usr/bin/env node
// The gradual rollout of the live stream (docs/operations.md#rollout): for each percentage,
// restart the server(s) with SSE_ROLLOUT_PERCENT set to it, wait until Prometheus sees every
// instance at that percentage, then watch the 5xx ratio and the stream error ratio for a while.
// On a breach, restart once more at the rollback percentage (default 0: every dashboard polls)
// and exit 1. Exits 0 when the last step has been watched without a breach.
//
//   node scripts/rollout.mjs --prometheus http://127.0.0.1:9090 \
//     --restart 'sudo systemctl set-environment SSE_ROLLOUT_PERCENT={percent} && sudo systemctl restart sessionboard'
//
// `--help` lists the options.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const USAGE = 'usage: node scripts/rollout.mjs --prometheus URL --restart CMD [--steps 10,50,100] [--watch 600] [--interval 15] [--window 5m] [--settle 120] [--job sessionboard] [--max-5xx-ratio 0.01] [--max-stream-error-ratio 0.05] [--rollback-percent 0]';
const HELP = `${USAGE}

  --prometheus URL            Prometheus that scrapes the instances
  --restart CMD               shell command restarting every instance at the percentage, given as
                              {percent} in the command and SSE_ROLLOUT_PERCENT in its environment
  --steps LIST                comma-separated, growing percentages (default 10,50,100)
  --watch SECONDS             how long to watch each step (default 600)
  --interval SECONDS          between two checks (default 15)
  --window DURATION           PromQL rate window (default 5m)
  --settle SECONDS            how long to wait for Prometheus to see the new percentage (default 120)
  --job NAME                  Prometheus job of the instances (default sessionboard)
  --max-5xx-ratio R           roll back above this share of 5xx answers, stream refusals aside (default 0.01)
  --max-stream-error-ratio R  roll back above this share of in-rollout streams refused or cut (default 0.05)
  --rollback-percent P        the percentage to roll back to (default 0)

Exits 0 when every step held, 1 after a rollback, 2 for bad options. See docs/operations.md#rollout.`;

function fail(message) {
  console.error(`rollout: ${message}`);
  console.error(USAGE);
  process.exit(2);
}

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        prometheus: { type: 'string' },
        restart: { type: 'string' },
        steps: { type: 'string', default: '10,50,100' },
        watch: { type: 'string', default: '600' },
        interval: { type: 'string', default: '15' },
        window: { type: 'string', default: '5m' },
        settle: { type: 'string', default: '120' },
        job: { type: 'string', default: 'sessionboard' },
        'max-5xx-ratio': { type: 'string', default: '0.01' },
        'max-stream-error-ratio': { type: 'string', default: '0.05' },
        'rollback-percent': { type: 'string', default: '0' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    fail(error.message);
  }
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  if (!values.prometheus) fail('--prometheus is required');
  if (!values.restart) fail('--restart is required');
  const number = (name, min, max) => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value < min || value > max) fail(`--${name} must be a number from ${min} to ${max}, got ${values[name]}`);
    return value;
  };
  const percent = (text, what) => {
    if (!/^\d{1,3}$/.test(text) || Number(text) > 100) fail(`${what} must be whole percentages from 0 to 100, got ${text}`);
    return Number(text);
  };
  const steps = values.steps.split(',').map((step) => percent(step.trim(), '--steps'));
  if (steps.some((step, i) => i > 0 && step <= steps[i - 1])) fail(`--steps must grow, got ${values.steps}`);
  if (!/^\d+(ms|s|m|h)$/.test(values.window)) fail(`--window must be a PromQL duration like 5m, got ${values.window}`);
  if (!/^[a-zA-Z_][a-zA-Z0-9_:-]*$/.test(values.job)) fail(`--job must be a job name, got ${values.job}`);
  return {
    prometheus: values.prometheus.replace(/\/$/, ''),
    restart: values.restart,
    steps,
    watchS: number('watch', 0, 86_400),
    intervalS: number('interval', 0.1, 3600),
    window: values.window,
    settleS: number('settle', 1, 3600),
    job: values.job,
    max5xxRatio: number('max-5xx-ratio', 0, 1),
    maxStreamErrorRatio: number('max-stream-error-ratio', 0, 1),
    rollbackPercent: percent(values['rollback-percent'], '--rollback-percent'),
  };
}

const options = parseOptions();
const started = Date.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function log(message) {
  const seconds = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  console.log(`[+${seconds}s] ${message}`);
}

async function query(expr) {
  const response = await fetch(`${options.prometheus}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  const body = await response.json().catch(() => ({}));
  if (body.status !== 'success') throw new Error(`Prometheus refused ${expr}: ${body.error ?? response.status}`);
  return body.data.result;
}

/** The single value of an expression, or undefined when it has no series. */
async function scalar(expr) {
  const result = await query(expr);
  return result.length === 0 ? undefined : Number(result[0].value[1]);
}

const job = `job=${JSON.stringify(options.job)}`;
const w = options.window;
// Stream refusals (503 on /api/sse/*: disabled, outside the rollout, full) are not 5xx failures;
// a full server counts as a stream error instead.
const QUERIES = {
  errorRatio: `(sum(rate(http_requests_total{${job},status=~"5..",route!~"/api/sse/.+"}[${w}])) or vector(0)) / (sum(rate(http_requests_total{${job},route!~"/api/sse/.+"}[${w}])) > 0)`,
  streamErrorRatio:
    `((sum(rate(sse_connections_rejected_total{${job},reason="full"}[${w}])) or vector(0))` +
    ` + (sum(rate(sse_connection_errors_total{${job},reason=~"server_error|slow_consumer"}[${w}])) or vector(0)))` +
    ` / (sum(rate(sse_rollout_streams_total{${job},rollout="in"}[${w}])) > 0)`,
  instancesDown: `count(up{${job}} == 0)`,
  streamsOpen: `sum(sse_active_connections{${job}})`,
  pollsPerMinute: `sum(rate(sse_rollout_polls_total{${job}}[${w}])) * 60`,
};

function restart(percent) {
  const command = options.restart.replaceAll('{percent}', String(percent));
  log(`restarting at ${percent} %: ${command}`);
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { stdio: 'inherit', env: { ...process.env, SSE_ROLLOUT_PERCENT: String(percent) } });
    child.once('error', (error) => resolve(`cannot run the restart command: ${error.message}`));
    child.once('exit', (code, signal) => resolve(code === 0 ? undefined : `the restart command failed (${signal ?? `exit ${code}`})`));
  });
}

/** Waits until Prometheus has scraped every instance of the job at `percent`. */
async function settle(percent) {
  const deadline = Date.now() + options.settleS * 1000;
  for (;;) {
    const instances = await scalar(`count(sse_rollout_percent{${job}})`).catch(() => undefined);
    const behind = await scalar(`count(sse_rollout_percent{${job}} != ${percent})`).catch(() => undefined);
    const down = await scalar(QUERIES.instancesDown).catch(() => undefined);
    if (instances !== undefined && instances > 0 && behind === undefined && down === undefined) {
      log(`Prometheus sees ${instances} instance(s) at ${percent} %`);
      return undefined;
    }
    if (Date.now() > deadline) return `Prometheus did not see every instance at ${percent} % within ${options.settleS} s`;
    await sleep(Math.min(1000, options.intervalS * 1000));
  }
}

const percentText = (ratio) => (ratio === undefined ? 'no traffic' : `${(ratio * 100).toFixed(2)} %`);

/** Watches one step; resolves with the reason for a rollback, or undefined when it held. */
async function watch(percent) {
  const end = Date.now() + options.watchS * 1000;
  for (;;) {
    const [errorRatio, streamErrorRatio, down, streams, polls] = await Promise.all(
      [QUERIES.errorRatio, QUERIES.streamErrorRatio, QUERIES.instancesDown, QUERIES.streamsOpen, QUERIES.pollsPerMinute].map((expr) => scalar(expr)),
    );
    log(
      `${percent} %: 5xx ${percentText(errorRatio)} (max ${percentText(options.max5xxRatio)}), ` +
        `stream errors ${percentText(streamErrorRatio)} (max ${percentText(options.maxStreamErrorRatio)}), ` +
        `streams open ${streams ?? 0}, polls/min ${(polls ?? 0).toFixed(0)}`,
    );
    if (down !== undefined) return `${down} instance(s) down`;
    if (errorRatio !== undefined && errorRatio > options.max5xxRatio) return `5xx ratio ${percentText(errorRatio)} is above ${percentText(options.max5xxRatio)}`;
    if (streamErrorRatio !== undefined && streamErrorRatio > options.maxStreamErrorRatio) {
      return `stream error ratio ${percentText(streamErrorRatio)} is above ${percentText(options.maxStreamErrorRatio)}`;
    }
    if (Date.now() >= end) return undefined;
    await sleep(Math.min(options.intervalS * 1000, Math.max(0, end - Date.now())));
  }
}

async function rollBack(reason) {
  log(`BREACH: ${reason}; rolling back to ${options.rollbackPercent} %`);
  const problem = (await restart(options.rollbackPercent)) ?? (await settle(options.rollbackPercent));
  if (problem) log(`rollback incomplete: ${problem}; set SSE_ROLLOUT_PERCENT=${options.rollbackPercent} (or SSE_ENABLED=false) by hand`);
  else log(`rolled back to ${options.rollbackPercent} %`);
  process.exit(1);
}

log(`rollout ${options.steps.join(' % → ')} %, watching each step ${options.watchS} s (window ${options.window})`);
for (const percent of options.steps) {
  const problem = (await restart(percent)) ?? (await settle(percent));
  if (problem) await rollBack(problem);
  let reason;
  try {
    reason = await watch(percent);
  } catch (error) {
    reason = error.message;
  }
  if (reason) await rollBack(reason);
  log(`${percent} % held for ${options.watchS} s`);
}
log(`rollout complete at ${options.steps.at(-1)} %`);
