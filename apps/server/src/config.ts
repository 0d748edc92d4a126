import { realpathSync, statSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { isIP } from 'node:net';
import { isAbsolute } from 'node:path';
import { DEFAULTS } from '@sessionboard/protocol';
import { z } from 'zod';
import { isLoopbackHost } from './http/isLoopbackHost.ts';

/** Pino levels `LOG_LEVEL` accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The server's fully defaulted configuration, read from the environment by {@link parseConfig}. */
export interface Config {
  /** `HOST`. @default '127.0.0.1' */
  host: string;
  /** `PORT`; 0 picks a free port. @default 4021 */
  port: number;
  /**
   * `AUTH_TOKEN`: when set, every `/api` route but health and `/api/auth/*`, and `/metrics`,
   * needs it (bearer or sign-in cookie). Required on a non-loopback `HOST`. @default undefined
   */
  authToken: string | undefined;
  /** `RATE_LIMIT_PER_MINUTE`, per client address. @default 100 */
  rateLimitPerMinute: number;
  /** `SSE_ENABLED`. @default true */
  sseEnabled: boolean;
  /**
   * `SSE_ROLLOUT_PERCENT`: the share of browsers (by the bucket in their cookie) whose streams
   * are accepted; the others get 503 `sse_disabled` and poll. @default 100
   */
  sseRolloutPercent: number;
  /** `SSE_MAX_CONNECTIONS`. @default 1000 */
  sseMaxConnections: number;
  /** `SSE_HEARTBEAT_MS`. @default 30000 */
  sseHeartbeatMs: number;
  /** `SSE_REPLAY_EVENTS`. @default 1000 */
  sseReplayEvents: number;
  /** `SESSIONS_MAX_LIVE`. @default 64 */
  sessionsMaxLive: number;
  /** `SESSIONS_KEEP_ENDED`. @default 200 */
  sessionsKeepEnded: number;
  /** `FS_ROOT`, resolved to its real path. @default the user's home directory */
  fsRoot: string;
  /** `SESSIONS_OUTPUT_BYTES`: output kept per session. @default 1048576 */
  sessionsOutputBytes: number;
  /** `REDIS_URL`: when set, the instances that share it are one cluster. @default undefined */
  redisUrl: string | undefined;
  /** `INSTANCE_NAME`: this instance's name in the cluster, unique in it. @default `<hostname>:<PORT>` */
  instanceName: string;
  /** `INSTANCE_TTL_MS`: silence after which an instance is dead to the cluster. @default 15000 */
  instanceTtlMs: number;
  /** `KILL_GRACE_MS`: SIGTERM to SIGKILL. @default 5000 */
  killGraceMs: number;
  /** `LOG_LEVEL`. @default 'info' */
  logLevel: LogLevel;
  /** `CORS_ORIGINS`, comma-separated origins that CORS lets in (with credentials). @default [] */
  corsOrigins: string[];
  /**
   * `TRUST_PROXY`: which proxies in front may say who the client is (`X-Forwarded-For`,
   * `X-Forwarded-Proto`), as Express's `trust proxy`: `loopback`, addresses or CIDRs,
   * comma-separated, or a number of hops. Behind nginx on the same host: `loopback`; without
   * it every client behind the proxy shares one rate limit. @default undefined (trust none)
   */
  trustProxy: string | number | undefined;
}

/** A variable of the environment has a value the server cannot run with. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function integer(min: number, max: number) {
  const allowed = `an integer from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\s*\d+\s*$/, { error: allowed })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: allowed }).max(max, { error: allowed }));
}

const boolean = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0'], { error: 'one of true, false, 1, 0' }))
  .transform((value) => value === 'true' || value === '1');

const directory = z.string().transform((value, ctx) => {
  if (!isAbsolute(value)) {
    ctx.addIssue({ code: 'custom', message: 'an absolute path' });
    return z.NEVER;
  }
  try {
    const real = realpathSync(value);
    if (statSync(real).isDirectory()) return real;
  } catch {
    // Reported below, like a path that is not a directory.
  }
  ctx.addIssue({ code: 'custom', message: 'an existing directory' });
  return z.NEVER;
});

/** Shortest `AUTH_TOKEN` accepted: guessing 16 random characters is out of reach. */
export const AUTH_TOKEN_MIN_LENGTH = 16;
const AUTH_TOKEN_MAX_LENGTH = 1024;

const authToken = z
  .string()
  .regex(/^[\x21-\x7e]*$/, { error: 'printable ASCII without spaces (it travels in an HTTP header)' })
  .min(AUTH_TOKEN_MIN_LENGTH, {
    error: `at least ${AUTH_TOKEN_MIN_LENGTH} characters, e.g. AUTH_TOKEN=$(openssl rand -hex 32)`,
  })
  .max(AUTH_TOKEN_MAX_LENGTH, { error: `at most ${AUTH_TOKEN_MAX_LENGTH} characters` });

/** Variables whose value must never be echoed in a message. */
const SECRETS: ReadonlySet<string> = new Set(['AUTH_TOKEN']);

const redisUrl = z.url({ protocol: /^rediss?$/, error: 'a redis:// or rediss:// URL' });

const origins = z.string().transform((value, ctx) => {
  const list = value.split(',').map((item) => item.trim()).filter(Boolean);
  for (const origin of list) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin.replace(/\/$/, '')) {
      ctx.addIssue({ code: 'custom', message: `comma-separated origins like https://example.com (bad: "${origin}")` });
      return z.NEVER;
    }
  }
  return list.map((origin) => origin.replace(/\/$/, ''));
});

const PROXY_KEYWORDS: ReadonlySet<string> = new Set(['loopback', 'linklocal', 'uniquelocal']);
const trustProxy = z.string().transform((value, ctx) => {
  const text = value.trim();
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const entries = text.split(',').map((entry) => entry.trim());
  const valid = entries.every((entry) => {
    if (PROXY_KEYWORDS.has(entry)) return true;
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
  });
  if (!valid) {
    ctx.addIssue({ code: 'custom', message: 'loopback, addresses or CIDRs (comma-separated), or a number of hops' });
    return z.NEVER;
  }
  return entries.join(', ');
});

const schema = z.object({
  HOST: z.string().trim().min(1, { error: 'a host name or address' }).default(DEFAULTS.host),
  PORT: integer(0, 65_535).default(DEFAULTS.port),
  AUTH_TOKEN: authToken.optional(),
  RATE_LIMIT_PER_MINUTE: integer(1, 1_000_000).default(DEFAULTS.rateLimitPerMinute),
  SSE_ENABLED: boolean.default(true),
  SSE_ROLLOUT_PERCENT: integer(0, 100).default(DEFAULTS.sseRolloutPercent),
  SSE_MAX_CONNECTIONS: integer(1, 1_000_000).default(DEFAULTS.sseMaxConnections),
  SSE_HEARTBEAT_MS: integer(100, 3_600_000).default(DEFAULTS.sseHeartbeatMs),
  SSE_REPLAY_EVENTS: integer(0, 1_000_000).default(DEFAULTS.sseReplayEvents),
  SESSIONS_MAX_LIVE: integer(1, 10_000).default(DEFAULTS.sessionsMaxLive),
  SESSIONS_KEEP_ENDED: integer(0, 1_000_000).default(DEFAULTS.sessionsKeepEnded),
  FS_ROOT: directory.optional(),
  SESSIONS_OUTPUT_BYTES: integer(1024, 1024 * 1024 * 1024).default(DEFAULTS.sessionsOutputBytes),
  REDIS_URL: redisUrl.optional(),
  INSTANCE_NAME: z
    .string()
    .trim()
    .regex(/^[\x21-\x7e]{1,100}$/, { error: '1 to 100 printable ASCII characters without spaces' })
    .optional(),
  INSTANCE_TTL_MS: integer(1000, 3_600_000).default(DEFAULTS.instanceTtlMs),
  KILL_GRACE_MS: integer(0, 600_000).default(DEFAULTS.killGraceMs),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  CORS_ORIGINS: origins.default([]),
  TRUST_PROXY: trustProxy.optional(),
});

/**
 * Reads the variables of PROTOCOL.md's environment table (and `KILL_GRACE_MS`, `LOG_LEVEL`,
 * `CORS_ORIGINS`, `TRUST_PROXY`) into a fully defaulted config. An empty variable counts as unset.
 * @throws {ConfigError} naming every bad variable, its value (the length alone for
 *   `AUTH_TOKEN`) and what is allowed; or, for a non-loopback `HOST` without `AUTH_TOKEN`,
 *   saying to set one or the other.
 */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const value = input[name] ?? '';
      const got = SECRETS.has(name) ? `${value.length} characters` : JSON.stringify(value);
      return `${name} must be ${issue.message}, got ${got}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const v = result.data;
  if (v.AUTH_TOKEN === undefined && !isLoopbackHost(v.HOST)) {
    throw new ConfigError(
      `Refusing to listen on HOST=${v.HOST} without AUTH_TOKEN: anyone who can reach it could run commands on this machine. ` +
        `Set AUTH_TOKEN to a secret of at least ${AUTH_TOKEN_MIN_LENGTH} characters (e.g. AUTH_TOKEN=$(openssl rand -hex 32)), ` +
        'or set HOST=127.0.0.1 to accept connections from this machine only.',
    );
  }
  return {
    host: v.HOST,
    port: v.PORT,
    authToken: v.AUTH_TOKEN,
    rateLimitPerMinute: v.RATE_LIMIT_PER_MINUTE,
    sseEnabled: v.SSE_ENABLED,
    sseRolloutPercent: v.SSE_ROLLOUT_PERCENT,
    sseMaxConnections: v.SSE_MAX_CONNECTIONS,
    sseHeartbeatMs: v.SSE_HEARTBEAT_MS,
    sseReplayEvents: v.SSE_REPLAY_EVENTS,
    sessionsMaxLive: v.SESSIONS_MAX_LIVE,
    sessionsKeepEnded: v.SESSIONS_KEEP_ENDED,
    fsRoot: v.FS_ROOT ?? realpathSync(homedir()),
    sessionsOutputBytes: v.SESSIONS_OUTPUT_BYTES,
    redisUrl: v.REDIS_URL,
    instanceName: v.INSTANCE_NAME ?? `${hostname()}:${v.PORT}`,
    instanceTtlMs: v.INSTANCE_TTL_MS,
    killGraceMs: v.KILL_GRACE_MS,
    logLevel: v.LOG_LEVEL,
    corsOrigins: v.CORS_ORIGINS,
    trustProxy: v.TRUST_PROXY,
  };
}
