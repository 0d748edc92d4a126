import type { TargetCheck } from './evaluateTargets.ts';
import type { BenchOptions } from './parseBenchArgs.ts';
import type { RunResult } from './runScenario.ts';

/** Everything `docs/benchmarks.md` is made of. */
export interface ReportInput {
  options: BenchOptions;
  /** The Markdown results table. */
  table: string;
  checks: readonly TargetCheck[];
  runs: readonly RunResult[];
  labels: Readonly<Record<string, string>>;
  /** The machine, the Node version and the date. */
  environment: string;
  durationS: number;
  /** Markdown appended as it is: profiling notes and what was changed. */
  notes: string;
  /** The cluster section (`renderClusterSection`), put after the results; none when it was not run. */
  cluster?: string;
}

const mark = (met: boolean | undefined) => (met === undefined ? '— not measured' : met ? '✅ met' : '❌ missed');
const f = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** The benchmark report in Markdown: targets, results, chart, command, method, every run, notes. */
export function renderReport(input: ReportInput): string {
  const { options } = input;
  const checks = input.checks.map((check) => `| ${check.goal} | ${check.measured} | ${mark(check.met)} |`);
  const runs = input.runs.map(
    (run) =>
      `| ${run.repeat} | ${input.labels[run.target] ?? run.target} | ${run.streams} | ${f(run.rssIdleMb)} | ${f(run.kbPerStream)} | ${f(run.heapKbPerStream)} | ${f(run.openMs, 0)} | ${f(run.latency.p50)} | ${f(run.latency.p99)} | ${f(run.latency.max)} | ${f(run.burstLatency.p99)} | ${f(run.burstDeliveriesPerS, 0)} | ${run.lost} | ${f(run.cpuMsPer1k)} | ${run.error?.split('\n')[0] ?? ''} |`,
  );
  return `# Benchmarks

Sessionboard's live stream against Node's floor and two other ways of doing it, measured side by side
by \`pnpm bench\` (package \`packages/bench\`). This file and [benchmarks.svg](benchmarks.svg) are
written by the benchmark; the notes at the end are kept in \`packages/bench/NOTES.md\`.

${input.environment}; ${options.workers} load workers; ${options.repeats} repeat(s); the whole run took ${Math.round(input.durationS)} s.

## Targets

Sessionboard against plain Node \`http\` measured in the same repeat (median of the per-repeat ratios).

| target | measured | |
| --- | --- | --- |
${checks.join('\n')}

## Results

Medians over the repeats; in brackets, the median ratio to plain Node \`http\` in the same repeat
(lower is better, except deliveries/s). Latency is publish → receipt at 10 events/s; "burst" is
${options.burstEvents} events published as fast as the server takes them. Lost is the total over all repeats.

${input.table}

![p99 fan-out latency and memory per stream, per server and stream count](benchmarks.svg)
${input.cluster === undefined ? '' : `\n${input.cluster}\n`}
## Reproduce

\`\`\`sh
pnpm install
pnpm bench                      # the full run: ${[1000, 5000, 10_000].join(', ')} streams, 3 repeats; writes docs/benchmarks.{md,svg}
pnpm bench --quick              # smoke run: 200 streams, 1 repeat, writes nothing
pnpm bench --streams 1000 --repeats 1 --targets sessionboard --no-write
\`\`\`

It builds the server first (\`pnpm --filter @sessionboard/server build\`; \`--no-build\` skips that), uses
only 127.0.0.1, and stops by itself: every phase has a deadline.

## Method

- **Servers.** Each run starts the server fresh as its own process, on a free port on 127.0.0.1:
  - *plain Node \`http\`*: Node's floor. Each frame is encoded once into a \`Buffer\` and written
    with \`res.write\` to every response; one heartbeat sweep for all streams;
  - *better-sse + Express*: better-sse 0.16 as its docs show it. A \`Session\` per request registered
    with one \`Channel\`, \`channel.broadcast\` per change (it serializes the data once per session), a
    keep-alive timer per session;
  - *naive plan*: per change, each client gets its own \`JSON.stringify\` of the whole list (the last
    10 sessions) and each client has its own \`setInterval\` heartbeat. Run up to 5000 streams: past
    that it cannot keep up with 10 events/s on this machine and a run takes minutes;
  - *Sessionboard*: \`node apps/server/dist/main.js\` as \`pnpm start\` runs it (Express, helmet, pino at
    \`LOG_LEVEL=info\` to /dev/null, rate limiting and metrics on), with \`RATE_LIMIT_PER_MINUTE\`,
    \`SSE_MAX_CONNECTIONS\`, \`SESSIONS_MAX_LIVE\` and \`SESSIONS_KEEP_ENDED\` raised above the load.

  All serve \`GET /api/sse/sessions\` (\`retry:\`, a snapshot of the list, then one event per change,
  30 s heartbeat) and \`POST /api/sessions\` with \`{"command":["true"]}\`, which really spawns \`true\` and
  publishes \`session_created\` (a full session object and \`at\`, epoch ms) and, when it exits,
  \`session_updated\`, on every server alike. The peers run their TypeScript through tsx's loader,
  which adds to their idle RSS, not to the memory per stream (a difference). Every server runs with
  \`--expose-gc\` and a one-line preload that, on SIGUSR2, runs a full GC and reports the heap in use.
- **Load.** ${options.workers} worker processes (one per core: in trial runs 4 made every server look slower, fighting it for the cores)
  share the streams evenly, each opening raw \`http\` requests
  (\`agent: false\`: a socket each, at most 100 connecting at once per worker) and parsing every chunk with
  eventsource-parser. Every change event is a delivery: its latency is the receipt time minus its \`at\`
  (same machine clock; \`at\` is whole milliseconds, so a latency reads up to 1 ms high for every server
  alike), and it is counted per event id, so a loss is an (event, stream) pair that had not arrived
  15 s after the phase should have ended.
- **One run.** Create 10 sessions; wait 1 s; read RSS (\`/proc/<pid>/status\` VmRSS) and, after a
  forced full GC, the JS heap in use: *RSS idle*. Open N streams: *open ms*, from the request to open
  them until the last one has its snapshot. Wait 1 s and read both again: *KB / stream* =
  (RSS open − RSS idle) / N, and *heap KB / stream* the same for the live heap. RSS is what the
  target is about, but it also holds V8's young generation, which grows in steps of megabytes as a
  server allocates (opening 1000 streams can grow it by 16 MB, 16 KB a stream at N = 1000): the heap
  figure is the steadier account of what a stream costs. Publish 10 events/s for
  ${options.rateDurationMs / 1000} s: *latency* and *deliveries/s at 10 ev/s* (over the phase's nominal length, so
  a server that keeps up scores 10 × N; past about 5000 streams none of them can on this machine, and
  the latency then includes the queue). Then publish ${options.burstEvents} events (${options.burstEvents / 2} triggers) at once:
  *deliveries/s burst*, all deliveries over the time from the first trigger to the last receipt.
  Server CPU over both phases, all threads, from \`/proc/<pid>/task/*/schedstat\`: *CPU ms / 1k
  deliveries* (spawning the sessions included).
- **Repeats.** For each repeat and each N, every server runs once, in an order rotated per repeat. Each
  figure is the median over repeats; each ratio is the median of the ratios within a repeat.
- **Noise.** The machine has 2 cores, shared by the server and the load workers (and possibly other
  work): absolute numbers move from run to run, ratios measured side by side much less.

## All runs

| repeat | server | streams | RSS idle MB | KB / stream | heap KB / stream | open ms | p50 ms | p99 ms | max ms | burst p99 ms | burst deliveries/s | lost | CPU ms / 1k | error |
| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${runs.join('\n')}
${input.notes ? `\n${input.notes.trim()}\n` : ''}`;
}
