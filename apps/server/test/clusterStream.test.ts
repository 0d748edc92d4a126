import { describeStreamBehaviours } from './describeStreamBehaviours.ts';
import { useRedisCluster } from './useRedisCluster.ts';

// The stream behaviours of stream.test.ts, run on an instance whose event log is Redis.
const cluster = useRedisCluster();

describeStreamBehaviours({ suffix: ' on Redis', start: (env) => cluster.start('solo:1', env), started: cluster.track });
