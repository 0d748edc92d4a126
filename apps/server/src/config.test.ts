import { mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.ts';

let dir: string;

beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'sessionboard-config-')));
  await writeFile(join(dir, 'file'), 'x');
  await symlink(dir, join(dir, 'link'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function problem(env: NodeJS.ProcessEnv): string {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('parseConfig accepted it');
}

describe('defaults', () => {
  it('fills every setting from PROTOCOL.md when the environment is empty', async () => {
    expect(parseConfig({})).toEqual({
      host: '127.0.0.1',
      port: 4021,
      authToken: undefined,
      rateLimitPerMinute: 100,
      sseEnabled: true,
      sseRolloutPercent: 100,
      sseMaxConnections: 1000,
      sseHeartbeatMs: 30_000,
      sseReplayEvents: 1000,
      sessionsMaxLive: 64,
      sessionsKeepEnded: 200,
      fsRoot: await realpath(homedir()),
      sessionsOutputBytes: 1_048_576,
      redisUrl: undefined,
      instanceName: `${hostname()}:4021`,
      instanceTtlMs: 15_000,
      killGraceMs: 5000,
      logLevel: 'info',
      corsOrigins: [],
      trustProxy: undefined,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(parseConfig({ PORT: '', AUTH_TOKEN: '' })).toMatchObject({ port: 4021, authToken: undefined });
  });
});

describe('values', () => {
  it('reads every variable', () => {
    const config = parseConfig({
      HOST: '0.0.0.0',
      PORT: '0',
      AUTH_TOKEN: 'a-secret-of-24-characters',
      RATE_LIMIT_PER_MINUTE: '5',
      SSE_ENABLED: 'false',
      SSE_ROLLOUT_PERCENT: '10',
      SSE_MAX_CONNECTIONS: '2',
      SSE_HEARTBEAT_MS: '250',
      SSE_REPLAY_EVENTS: '0',
      SESSIONS_MAX_LIVE: '3',
      SESSIONS_KEEP_ENDED: '0',
      FS_ROOT: join(dir, 'link'),
      SESSIONS_OUTPUT_BYTES: '4096',
      REDIS_URL: 'redis://localhost:6379/0',
      INSTANCE_NAME: 'east-1',
      INSTANCE_TTL_MS: '5000',
      KILL_GRACE_MS: '100',
      LOG_LEVEL: 'silent',
      CORS_ORIGINS: 'https://a.example, http://localhost:5173/',
      TRUST_PROXY: 'loopback, 10.0.0.0/8',
    });

    expect(config).toEqual({
      host: '0.0.0.0',
      port: 0,
      authToken: 'a-secret-of-24-characters',
      rateLimitPerMinute: 5,
      sseEnabled: false,
      sseRolloutPercent: 10,
      sseMaxConnections: 2,
      sseHeartbeatMs: 250,
      sseReplayEvents: 0,
      sessionsMaxLive: 3,
      sessionsKeepEnded: 0,
      fsRoot: dir,
      sessionsOutputBytes: 4096,
      redisUrl: 'redis://localhost:6379/0',
      instanceName: 'east-1',
      instanceTtlMs: 5000,
      killGraceMs: 100,
      logLevel: 'silent',
      corsOrigins: ['https://a.example', 'http://localhost:5173'],
      trustProxy: 'loopback, 10.0.0.0/8',
    });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['TRUE', true],
    ['false', false],
    ['0', false],
  ])('reads SSE_ENABLED=%s as %s', (value, expected) => {
    expect(parseConfig({ SSE_ENABLED: value }).sseEnabled).toBe(expected);
  });
});

describe('bad values', () => {
  it.each([
    ['PORT', 'http', 'PORT must be an integer from 0 to 65535, got "http"'],
    ['PORT', '65536', 'PORT must be an integer from 0 to 65535, got "65536"'],
    ['RATE_LIMIT_PER_MINUTE', '0', 'RATE_LIMIT_PER_MINUTE must be an integer from 1 to'],
    ['SSE_ENABLED', 'yes', 'SSE_ENABLED must be one of true, false, 1, 0, got "yes"'],
    ['SSE_MAX_CONNECTIONS', '-1', 'SSE_MAX_CONNECTIONS must be an integer from 1 to'],
    ['SSE_HEARTBEAT_MS', '30s', 'SSE_HEARTBEAT_MS must be an integer from 100 to 3600000, got "30s"'],
    ['SSE_REPLAY_EVENTS', '1.5', 'SSE_REPLAY_EVENTS must be an integer from 0 to'],
    ['SESSIONS_MAX_LIVE', '0', 'SESSIONS_MAX_LIVE must be an integer from 1 to 10000, got "0"'],
    ['SESSIONS_KEEP_ENDED', 'all', 'SESSIONS_KEEP_ENDED must be an integer from 0 to'],
    ['FS_ROOT', 'relative/dir', 'FS_ROOT must be an absolute path, got "relative/dir"'],
    ['FS_ROOT', '/no/such/sessionboard/dir', 'FS_ROOT must be an existing directory, got "/no/such/sessionboard/dir"'],
    ['REDIS_URL', 'http://cache:6379', 'REDIS_URL must be a redis:// or rediss:// URL, got "http://cache:6379"'],
    ['SSE_ROLLOUT_PERCENT', '101', 'SSE_ROLLOUT_PERCENT must be an integer from 0 to 100, got "101"'],
    ['SESSIONS_OUTPUT_BYTES', '10', 'SESSIONS_OUTPUT_BYTES must be an integer from 1024 to'],
    ['INSTANCE_NAME', 'east 1', 'INSTANCE_NAME must be 1 to 100 printable ASCII characters without spaces, got "east 1"'],
    ['INSTANCE_TTL_MS', '500', 'INSTANCE_TTL_MS must be an integer from 1000 to 3600000, got "500"'],
    ['KILL_GRACE_MS', '5s', 'KILL_GRACE_MS must be an integer from 0 to 600000, got "5s"'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"'],
    ['CORS_ORIGINS', 'example.com', 'CORS_ORIGINS must be comma-separated origins like https://example.com'],
    ['TRUST_PROXY', 'everyone', 'TRUST_PROXY must be loopback, addresses or CIDRs (comma-separated), or a number of hops'],
  ])('refuses %s=%s, naming the variable and what is allowed', (name, value, message) => {
    expect(problem({ [name]: value })).toContain(message);
  });

  it('refuses an FS_ROOT that is a file', () => {
    expect(problem({ FS_ROOT: join(dir, 'file') })).toContain('FS_ROOT must be an existing directory');
  });

  it.each([
    ['a token of 15 characters', 'x'.repeat(15), 'AUTH_TOKEN must be at least 16 characters, e.g. AUTH_TOKEN=$(openssl rand -hex 32), got 15 characters'],
    ['a token with a space', 'correct horse battery staple', 'AUTH_TOKEN must be printable ASCII without spaces (it travels in an HTTP header), got 28 characters'],
    ['a token of 1025 characters', 'x'.repeat(1025), 'AUTH_TOKEN must be at most 1024 characters, got 1025 characters'],
  ])('refuses %s without echoing it', (_case, token, message) => {
    const text = problem({ AUTH_TOKEN: token });
    expect(text).toBe(`Invalid configuration: ${message}`);
    expect(text).not.toContain(token.slice(0, 15));
  });

  it('names every bad variable at once', () => {
    expect(problem({ PORT: 'x', SSE_ENABLED: 'maybe' })).toMatch(/^Invalid configuration: PORT must .*; SSE_ENABLED must /);
  });
});

describe('listening beyond this machine', () => {
  it.each(['127.0.0.1', '127.4.5.6', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])('starts on loopback HOST=%s without AUTH_TOKEN', (host) => {
    expect(parseConfig({ HOST: host }).host).toBe(host);
  });

  it.each(['0.0.0.0', '::', '192.168.1.20', 'example.com', 'localhost.example.com', '128.0.0.1'])(
    'refuses HOST=%s without AUTH_TOKEN, saying what to set',
    (host) => {
      expect(problem({ HOST: host })).toBe(
        `Refusing to listen on HOST=${host} without AUTH_TOKEN: anyone who can reach it could run commands on this machine. ` +
          'Set AUTH_TOKEN to a secret of at least 16 characters (e.g. AUTH_TOKEN=$(openssl rand -hex 32)), ' +
          'or set HOST=127.0.0.1 to accept connections from this machine only.',
      );
    },
  );

  it('starts on HOST=0.0.0.0 with an AUTH_TOKEN', () => {
    expect(parseConfig({ HOST: '0.0.0.0', AUTH_TOKEN: 'k'.repeat(16) })).toMatchObject({ host: '0.0.0.0', authToken: 'k'.repeat(16) });
  });
});
