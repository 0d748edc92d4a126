import type { Session } from '@sessionboard/protocol';
import { isLiveStatus } from '@sessionboard/protocol';
import type { Store } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { Auth } from '../auth/Auth.ts';
import type { Config } from '../config.ts';
import type { OutputSource } from '../output/OutputSource.ts';
import type { OutputStore } from '../output/OutputStore.ts';
import type { SessionBroadcaster } from '../sessions/SessionBroadcaster.ts';
import type { SessionManager } from '../sessions/SessionManager.ts';
import type { SessionStore, StopSignal } from '../sessions/SessionStore.ts';
import { ClusterMembership } from './ClusterMembership.ts';
import { ClusterOutputs, type ClusterOutputStats } from './ClusterOutputs.ts';
import { ClusterRequests } from './ClusterRequests.ts';
import { ClusterSessionStore } from './ClusterSessionStore.ts';
import { clusterKeys } from './clusterKeys.ts';
import { RedisAttemptCounter } from './RedisAttemptCounter.ts';
import { RedisConnections } from './RedisConnections.ts';
import { RedisEngine } from './RedisEngine.ts';
import type { RedisEventLog } from './RedisEventLog.ts';
import { RedisSignIns } from './RedisSignIns.ts';
import { reconcileSessions, sameSession } from './reconcileSessions.ts';
import { redisRateLimitStore } from './redisRateLimitStore.ts';

/** What {@link createCluster} builds on. */
export interface ClusterOptions {
  /** `REDIS_URL` (set), `INSTANCE_NAME`, `INSTANCE_TTL_MS`, `SSE_REPLAY_EVENTS`, `SESSIONS_OUTPUT_BYTES`. */
  config: Pick<Config, 'instanceName' | 'instanceTtlMs' | 'sseReplayEvents' | 'sessionsOutputBytes'> & { redisUrl: string };
  logger: Logger;
  /** Epoch ms. @default Date.now */
  now?: () => number;
  /** Redis key and channel prefix. @default 'sessionboard:' */
  keyPrefix?: string;
}

/** This instance's sessions and sign-ins, which the cluster publishes and answers for. */
export interface ClusterAttachment {
  manager: SessionManager;
  broadcaster: SessionBroadcaster;
  auth: Auth;
  /** Stops a live session of `manager` with a signal. */
  stopLocal: (id: string, signal: StopSignal) => Session | undefined;
  /** This instance's sessions' output, carried into Redis for the others to read. */
  output: OutputStore;
}

/** An instance's membership of a cluster over Redis; see the README's "Running a cluster". */
export interface Cluster {
  /** The broker's event log: the Redis stream, mirrored here. */
  readonly log: RedisEventLog;
  /**
   * Wires in this instance's sessions and sign-ins (once, before `start`), sharing the
   * sign-ins and the sign-in attempt limit of `auth` with the cluster; returns the store
   * the routes use.
   */
  attach(deps: ClusterAttachment): SessionStore;
  /** The API rate limit's counters in Redis, shared by every instance. */
  rateLimitStore(): Store;
  /** True while Redis is reachable and answering: health is ok and changes are accepted. */
  isUp(): boolean;
  /** Instances not judged dead, this one included (`cluster_instances`). */
  aliveInstances(): number;
  /** A session of the cluster as mirrored here, without waiting (the routes' `get` catches up first). */
  session(id: string): Session | undefined;
  /**
   * The output of a session this instance does not run, read through its copy in Redis;
   * undefined when the cluster holds no such session (after catching up with Redis).
   */
  outputSource(id: string): Promise<OutputSource | undefined>;
  /** What carrying and mirroring output costs here, for metrics. */
  outputStats(): ClusterOutputStats;
  /**
   * Waits (at most `timeoutMs`, default 500) until this instance's output is all carried into
   * Redis, at once while Redis is out of reach: for a shutdown, before the output store closes.
   */
  flushOutput(timeoutMs?: number): Promise<void>;
  /**
   * Connects, loads the cluster's state, makes this instance's sessions right in it,
   * subscribes and beats; resolves once all is done (waiting for Redis as long as it takes).
   */
  start(): Promise<void>;
  /**
   * Writes what is left of this instance's changes (at most `flushMs`, default 1000), tells the others it
   * is leaving when they all made it, and disconnects. Call after the sessions have ended.
   */
  close(flushMs?: number): Promise<void>;
}

/** Builds an instance's cluster machinery; nothing connects before `start`. */
export function createCluster(options: ClusterOptions): Cluster {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  const self = config.instanceName;
  const keys = clusterKeys(options.keyPrefix);
  const connections = new RedisConnections({ url: config.redisUrl, name: self, logger });
  let attached: (ClusterAttachment & { signIns: RedisSignIns }) | undefined;
  let closed = false;

  const engine = new RedisEngine({
    connections,
    keys,
    replayEvents: config.sseReplayEvents,
    logger,
    onChange(name, session, streamId) {
      // Readers of its output copy here look again.
      outputs.sessionChanged(name, session);
      // The instance that runs a process is the authority on its session.
      // Skipped while this instance has a newer change of it on its way (in the outbox, or in
      // the stream ahead of the tail): that change, not this entry, is the state to compare.
      if (attached === undefined || session.instance !== self || engine.outbox.hasPending(session.id) || engine.hasOwnChangeAfter(session.id, streamId)) return;
      const local = attached.manager.get(session.id);
      if (local === undefined) return;
      if (name === 'session_removed') {
        if (isLiveStatus(local.status)) attached.broadcaster.publish('session_created', local);
        else attached.manager.forget(session.id);
      } else if (!sameSession(local, session)) {
        logger.warn({ session: session.id, status: session.status }, 'the cluster holds another state of a session this instance runs; reasserting it');
        attached.broadcaster.publish('session_updated', local);
      }
    },
    onReconcile(fresh) {
      if (fresh) outputs.recarry();
      if (attached === undefined) return;
      const corrections = reconcileSessions({
        self,
        local: attached.manager.list(),
        registry: engine.registry,
        pending: (id) => engine.outbox.hasPending(id),
        fresh,
        at: new Date(now()).toISOString(),
      });
      for (const correction of corrections) {
        if (correction.type === 'forget') attached.manager.forget(correction.id);
        else attached.broadcaster.publish(correction.name, correction.session);
      }
      if (corrections.length > 0) logger.info({ corrections: corrections.length, fresh }, 'brought the cluster\'s registry in line with this instance\'s sessions');
      void attached.signIns.reconcile(fresh);
    },
  });
  const membership = new ClusterMembership({ connections, keys, engine, instance: self, ttlMs: config.instanceTtlMs, logger, now });
  const requests = new ClusterRequests({ connections, keys, instance: self, logger });
  const isUp = () => engine.synced && membership.inContact();
  const outputs = new ClusterOutputs({
    connections,
    keys,
    registry: engine.registry,
    isDead: (name) => membership.liveness.dead(now()).includes(name),
    capacity: config.sessionsOutputBytes,
    logger,
    now,
  });

  return {
    log: engine.log,
    attach(deps) {
      if (attached !== undefined) throw new Error('the cluster is attached already');
      const signIns = new RedisSignIns({ connections, keys, sessions: deps.auth.sessions, logger, now });
      deps.auth.shared = signIns;
      deps.auth.attempts = new RedisAttemptCounter({ connections, prefix: keys.attemptsPrefix, fallback: deps.auth.attempts, isUp });
      attached = { ...deps, signIns };
      outputs.attach(deps.output);
      return new ClusterSessionStore({ engine, manager: deps.manager, requests, isUp, stopLocal: deps.stopLocal, now });
    },
    rateLimitStore: () => redisRateLimitStore(connections, keys.rateLimitPrefix, isUp),
    isUp,
    aliveInstances: () => membership.aliveCount(),
    session: (id) => engine.registry.get(id),
    async outputSource(id) {
      if (isUp()) await engine.caughtUp(1000);
      return engine.registry.get(id) === undefined ? undefined : outputs.source(id);
    },
    outputStats: () => outputs.stats(),
    // Nothing can be written while Redis is out of reach; the shutdown has no time to wait for it.
    flushOutput: async (timeoutMs = 500) => (isUp() ? outputs.flush(timeoutMs) : undefined),
    async start() {
      try {
        await connections.connect();
        await Promise.all([requests.start(), attached?.signIns.start()]);
        await engine.start();
        await membership.start();
        outputs.start();
      } catch (error) {
        // Closed while starting (shut down while waiting for Redis): nothing to join any more.
        if (closed) return;
        throw error;
      }
      logger.info({ instance: self, instances: membership.aliveCount() }, 'joined the cluster');
    },
    async close(flushMs = 1000) {
      closed = true;
      membership.close();
      await engine.settled(flushMs);
      if (engine.outbox.size === 0 && isUp()) {
        await Promise.race([membership.leave(), new Promise((resolve) => setTimeout(resolve, 300))]).catch((error: unknown) => {
          logger.debug({ err: error }, 'could not tell the cluster this instance is leaving');
        });
      } else if (engine.outbox.size > 0) {
        logger.warn({ unwritten: engine.outbox.size }, 'leaving with changes redis did not take; the others will mark its live sessions lost');
      }
      outputs.close();
      engine.close();
      connections.close();
    },
  };
}
