import type { Session } from '@sessionboard/protocol';
import { afterEach, beforeEach } from 'vitest';
import { killGroups, startInstance } from './clusterHelpers.ts';
import { describeStreamBehaviours } from './describeStreamBehaviours.ts';
import { closeAll } from './helpers.ts';
import { startRedis, stopRedises, type RedisServer } from './redisServer.ts';

// The stream behaviours of stream.test.ts, run on an instance whose event log is Redis.
let redis: RedisServer;
const started: Session[] = [];

beforeEach(async () => {
  redis = await startRedis();
});

afterEach(async () => {
  await closeAll();
  killGroups(started.splice(0));
  await stopRedises();
});

describeStreamBehaviours({
  suffix: ' on Redis',
  start: (env) => startInstance(redis, 'solo:1', env),
  started: (session) => started.push(session),
});
