import os from 'node:os';

/** Everything `pnpm bench` can be told. */
export interface BenchOptions {
  /** Stream counts, each run for every target. */
  streams: number[];
  repeats: number;
  /** Load worker processes. */
  workers: number;
  /** Target keys to run, Node's floor always included. */
  targets: string[];
  rateDurationMs: number;
  burstEvents: number;
  /** Where `benchmarks.md` and `benchmarks.svg` go; undefined: nowhere. */
  outDir: string | undefined;
  /** Build the server before running. */
  build: boolean;
  /** Where Sessionboard writes a `--cpu-prof` profile per run; undefined: no profiling. */
  cpuProfDir: string | undefined;
  /** A built server bundle (e.g. an earlier `dist/main.js`) run beside Sessionboard as `sessionboard-baseline`. */
  baseline: string | undefined;
  quick: boolean;
  /** Run the output scenarios of issue 13 too (`runOutputBench`); `--no-output` turns them off. */
  output: boolean;
  /** Run only the output scenarios (`--output-only`). */
  outputOnly: boolean;
  /** Run the cluster row of issue 12 too (`runClusterBench`); `--no-cluster` turns it off. */
  cluster: boolean;
  /** Run only the cluster row (`--cluster-only`), replacing its section of `benchmarks.md`. */
  clusterOnly: boolean;
  /** Streams on each of the cluster's two instances. @default 1000 (200 with `--quick`) */
  clusterStreams: number;
}

export const ALL_TARGETS = ['node-floor', 'socket-floor', 'go', 'sessionboard', 'better-sse', 'naive'] as const;

const USAGE = `usage: pnpm bench [--quick] [--streams 1000,5000,10000] [--repeats 3] [--workers N]
  [--targets ${ALL_TARGETS.join(',')}] [--rate-ms 2000] [--burst 30] [--out DIR | --no-write] [--no-build] [--cpu-prof DIR]
  [--baseline FILE: a built server bundle run beside Sessionboard, e.g. to compare with an earlier build]
  [--no-output | --output-only] [--no-cluster | --cluster-only] [--cluster-streams 1000]`;

/**
 * Parses the command line: the full run by default (writing to `defaultOutDir`), `--quick`
 * for a small one (200 streams, one repeat, written nowhere unless `--out` says).
 * @throws {Error} with the usage on an unknown flag or a bad value.
 */
export function parseBenchArgs(argv: readonly string[], defaultOutDir: string): BenchOptions {
  const quick = argv.includes('--quick');
  const options: BenchOptions = {
    streams: quick ? [200] : [1000, 5000, 10_000],
    repeats: quick ? 1 : 3,
    workers: Math.max(2, os.availableParallelism()),
    targets: [...ALL_TARGETS],
    rateDurationMs: quick ? 1000 : 2000,
    burstEvents: quick ? 20 : 30,
    outDir: quick ? undefined : defaultOutDir,
    build: true,
    cpuProfDir: undefined,
    baseline: undefined,
    quick,
    output: true,
    outputOnly: false,
    cluster: true,
    clusterOnly: false,
    clusterStreams: quick ? 200 : 1000,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return next;
    };
    switch (flag) {
      case '--quick':
        break;
      case '--streams':
        options.streams = value().split(',').map((item) => positiveInt(flag, item));
        break;
      case '--repeats':
        options.repeats = positiveInt(flag, value());
        break;
      case '--workers':
        options.workers = positiveInt(flag, value());
        break;
      case '--targets': {
        const keys = value().split(',');
        const unknown = keys.filter((key) => !(ALL_TARGETS as readonly string[]).includes(key));
        if (unknown.length > 0) throw new Error(`unknown target ${unknown.join(', ')}\n${USAGE}`);
        options.targets = ['node-floor', ...keys.filter((key) => key !== 'node-floor')];
        break;
      }
      case '--rate-ms':
        options.rateDurationMs = positiveInt(flag, value());
        break;
      case '--burst':
        options.burstEvents = positiveInt(flag, value());
        break;
      case '--out':
        options.outDir = value();
        break;
      case '--no-write':
        options.outDir = undefined;
        break;
      case '--no-build':
        options.build = false;
        break;
      case '--cpu-prof':
        options.cpuProfDir = value();
        break;
      case '--baseline':
        options.baseline = value();
        break;
      case '--no-output':
        options.output = false;
        break;
      case '--output-only':
        options.outputOnly = true;
        break;
      case '--no-cluster':
        options.cluster = false;
        break;
      case '--cluster-only':
        options.clusterOnly = true;
        break;
      case '--cluster-streams':
        options.clusterStreams = positiveInt(flag, value());
        break;
      case '--':
        break;
      default:
        throw new Error(`unknown argument ${flag}\n${USAGE}`);
    }
  }
  return options;
}

function positiveInt(flag: string | undefined, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${flag} takes positive integers, got ${text}\n${USAGE}`);
  return value;
}
