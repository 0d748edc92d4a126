import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_PATHS } from '@sessionboard/protocol';
import { ApiClient } from './ApiClient.ts';
import { freePort } from './freePort.ts';
import { REPO_ROOT, SERVER_ENTRY } from './paths.ts';
import { waitUntil } from './waitUntil.ts';

/** Environment overrides for the server; `undefined` removes a variable. */
export type ServerEnv = Record<string, string | undefined>;

/** How a stopped server ended. */
export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * What every e2e server runs with unless a test says otherwise: quiet logs, a heartbeat short
 * enough for the watchdog scenarios, a rate limit the tests' own API calls will not reach
 * (the rate-limit scenario sets its own), and a short kill grace.
 */
export const E2E_SERVER_DEFAULTS: Readonly<ServerEnv> = {
  LOG_LEVEL: 'warn',
  SSE_HEARTBEAT_MS: '2000',
  RATE_LIMIT_PER_MINUTE: '10000',
  KILL_GRACE_MS: '1000',
};

// Settings a developer's shell might carry that must not leak into a test's server.
const SERVER_VARIABLES = [
  'HOST',
  'PORT',
  'AUTH_TOKEN',
  'CORS_ORIGINS',
  'RATE_LIMIT_PER_MINUTE',
  'SSE_ENABLED',
  'SSE_ROLLOUT_PERCENT',
  'SSE_MAX_CONNECTIONS',
  'SSE_HEARTBEAT_MS',
  'SSE_REPLAY_EVENTS',
  'SESSIONS_MAX_LIVE',
  'SESSIONS_KEEP_ENDED',
  'FS_ROOT',
  'REDIS_URL',
  'INSTANCE_NAME',
  'INSTANCE_TTL_MS',
  'SESSIONS_OUTPUT_BYTES',
  'KILL_GRACE_MS',
  'LOG_LEVEL',
  'TRUST_PROXY',
];

const LOG_LIMIT_CHARS = 1_000_000;
const live = new Set<ChildProcess>();

// A runner that dies without tearing down its fixtures still ends its servers, which then
// shut down gracefully and end their sessions' processes.
process.once('exit', () => {
  for (const child of live) child.kill('SIGTERM');
});

/** Options of {@link ServerProcess.create}. */
export interface ServerProcessOptions {
  /** Overrides over {@link E2E_SERVER_DEFAULTS} for every start of this server. */
  env?: ServerEnv;
  /** How long start-up may take before `/api/health` answers. @default 15_000 */
  startTimeoutMs?: number;
}

/**
 * The built server (`apps/server/dist/main.js`) as a child process on a free loopback port,
 * with its own temporary `FS_ROOT`. The port and `FS_ROOT` stay the same across restarts,
 * so a page that was open reconnects to the same origin.
 */
export class ServerProcess {
  /** The REST API of this server. */
  readonly api: ApiClient;
  private child: ChildProcess | null = null;
  private exited: Promise<ServerExit> | null = null;
  private output = '';
  private startEnv: ServerEnv = {};

  private constructor(
    readonly port: number,
    readonly fsRoot: string,
    private readonly baseEnv: ServerEnv,
    private readonly startTimeoutMs: number,
  ) {
    this.api = new ApiClient(() => this.baseURL);
  }

  /** Picks a port and makes `FS_ROOT`; does not start the server. */
  static async create(options: ServerProcessOptions = {}): Promise<ServerProcess> {
    if (!existsSync(SERVER_ENTRY)) {
      throw new Error(`${SERVER_ENTRY} does not exist: run \`pnpm build\` first`);
    }
    const port = await freePort();
    // realpath: the server compares resolved paths against FS_ROOT, and /tmp may be a link.
    const fsRoot = await realpath(await mkdtemp(join(tmpdir(), 'sessionboard-e2e-')));
    return new ServerProcess(port, fsRoot, options.env ?? {}, options.startTimeoutMs ?? 15_000);
  }

  /** `http://127.0.0.1:<port>`, the origin of both the dashboard and the API. */
  get baseURL(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** True between a successful `start()` and the process's exit. */
  get running(): boolean {
    return this.child !== null;
  }

  /** Everything the server has written to stdout and stderr, across restarts. */
  get log(): string {
    return this.output;
  }

  /** The environment the server runs (or would run) with, server variables only. */
  get env(): ServerEnv {
    return this.composeEnv({});
  }

  /**
   * Starts the server and waits until `/api/health` answers 200.
   * @param env overrides for this start and later restarts, over the create-time env
   * @throws Error when it is already running, exits during start-up, or is not healthy in time
   */
  async start(env?: ServerEnv): Promise<void> {
    if (this.child !== null) throw new Error('ServerProcess.start: already running');
    if (env !== undefined) this.startEnv = env;
    const child = spawn(process.execPath, [SERVER_ENTRY], {
      cwd: REPO_ROOT,
      env: this.composeEnv(process.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    live.add(child);
    const append = (chunk: Buffer): void => {
      this.output += chunk.toString('utf8');
      if (this.output.length > LOG_LIMIT_CHARS) this.output = this.output.slice(-LOG_LIMIT_CHARS);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise<ServerExit>((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        if (this.child === child) this.child = null;
        resolve({ code, signal });
      });
    });
    child.once('error', (error) => append(Buffer.from(`spawn error: ${error.message}\n`)));

    try {
      await waitUntil(
        async () => {
          if (this.child !== child) throw new Error('the server exited during start-up');
          const response = await fetch(new URL(API_PATHS.health, this.baseURL));
          return response.status === 200 ? true : undefined;
        },
        { timeoutMs: this.startTimeoutMs, intervalMs: 50, message: `the server on port ${this.port}` },
      );
    } catch (error) {
      await this.stop({ signal: 'SIGKILL' });
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`${reason}\n--- server output ---\n${this.output.slice(-4000)}`, { cause: error });
    }
  }

  /**
   * Sends `signal` and waits for the process to exit; SIGKILL after `timeoutMs`.
   * Resolves at once with `null` when it is not running.
   */
  async stop(
    options: { signal?: NodeJS.Signals; timeoutMs?: number } = {},
  ): Promise<ServerExit | null> {
    const child = this.child;
    const exited = this.exited;
    if (child === null || exited === null) return null;
    const { signal = 'SIGTERM', timeoutMs = 10_000 } = options;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops and starts again on the same port; `env`, when given, replaces the start env. */
  async restart(env?: ServerEnv): Promise<void> {
    await this.stop();
    await this.start(env);
  }

  /** Stops the server and deletes its `FS_ROOT`. */
  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.fsRoot, { recursive: true, force: true });
  }

  private composeEnv(inherited: NodeJS.ProcessEnv | ServerEnv): ServerEnv {
    const env: ServerEnv = { ...inherited };
    for (const name of SERVER_VARIABLES) delete env[name];
    Object.assign(env, E2E_SERVER_DEFAULTS, this.baseEnv, this.startEnv, {
      HOST: '127.0.0.1',
      PORT: String(this.port),
    });
    env.FS_ROOT ??= this.fsRoot;
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) delete env[name];
    }
    return env;
  }
}
