import type { HealthResponse } from '@sessionboard/protocol';
import { API_PATHS, DEFAULTS } from '@sessionboard/protocol';
import { SseBroker } from '@sessionboard/sse-broker';
import type { RequestListener } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type Express } from 'express';
import { pino, type Logger } from 'pino';
import { createAuth, type Auth } from './auth/Auth.ts';
import { createCluster } from './cluster/createCluster.ts';
import { registerClusterOutputMetrics } from './cluster/registerClusterOutputMetrics.ts';
import { authRouter } from './auth/authRouter.ts';
import type { Config } from './config.ts';
import { answerOptions } from './http/answerOptions.ts';
import { clientErrorHandler } from './http/clientErrorHandler.ts';
import { corsHeaders } from './http/corsHeaders.ts';
import { createHttpMetrics, streamErrorReason } from './metrics/createHttpMetrics.ts';
import { createMetrics } from './metrics/createMetrics.ts';
import { createRolloutMetrics } from './metrics/createRolloutMetrics.ts';
import { createRollout } from './ops/createRollout.ts';
import { crossOriginGuard } from './http/crossOriginGuard.ts';
import { dirsRouter } from './fs/dirsRouter.ts';
import { apiNotFound, errorHandler } from './http/errorHandler.ts';
import { loopbackHostGuard } from './http/loopbackHostGuard.ts';
import { openApiRoute } from './http/openApiRoute.ts';
import { OutputStore } from './output/OutputStore.ts';
import { OutputStreams } from './output/OutputStreams.ts';
import { outputRouter } from './output/outputRouter.ts';
import { outputStreamRouter } from './output/outputStreamRouter.ts';
import { registerOutputMetrics } from './output/registerOutputMetrics.ts';
import { rateLimiter } from './http/rateLimiter.ts';
import { requestLogger } from './http/requestLogger.ts';
import { requireAuth } from './auth/requireAuth.ts';
import { jsonBody } from './http/jsonBody.ts';
import { requireJson } from './http/requireJson.ts';
import { securityHeaders } from './http/securityHeaders.ts';
import { DEFAULT_WEB_ROOT, serveDashboard } from './http/serveDashboard.ts';
import { SessionBroadcaster } from './sessions/SessionBroadcaster.ts';
import { SessionManager, type Killer, type ManagerTimers, type Spawner } from './sessions/SessionManager.ts';
import type { GroupProbe } from './sessions/ProcessGroupWatcher.ts';
import { LocalSessionStore, stopSession, type SessionStore } from './sessions/SessionStore.ts';
import { sessionsRouter } from './sessions/sessionsRouter.ts';
import { createStreamAdmission, streamAdmissionChecks } from './stream/streamAdmission.ts';
import { createStreamFastPath } from './stream/streamFastPath.ts';
import { streamRouter } from './stream/streamRouter.ts';

/**
 * What {@link createApp} builds on; all but `config` have defaults made from it. The parts of
 * the session manager (spawner, killer, timers) are injected rather than a whole manager, so
 * that the app always wires its manager to its broadcaster.
 */
export interface AppDeps {
  config: Config;
  /** @default a pino logger at `config.logLevel` */
  logger?: Logger;
  /** @default a broker configured by the `SSE_*` variables (with `REDIS_URL`, on the cluster's log; none may be given then) */
  broker?: SseBroker;
  /** Starts a session's process. @default `child_process.spawn`, detached (a group of its own) */
  spawn?: Spawner;
  /** Signals a session's process group. @default `process.kill(-pid, signal)` */
  kill?: Killer;
  /** Whether a session's process group still has a member. @default `kill(-pid, 0)` */
  groupAlive?: GroupProbe;
  /** The session manager's timers (kill grace, group polling). @default the global timers */
  timers?: ManagerTimers;
  /** The built dashboard. @default `apps/web/dist` */
  webRoot?: string;
  /** Epoch ms, for event timestamps. @default Date.now */
  now?: () => number;
  /** Token, sign-ins and the sign-in attempt limit. @default built from `config.authToken` */
  auth?: Auth;
  /** Sessions' output. @default a store keeping `SESSIONS_OUTPUT_BYTES` each, fed by the default manager */
  output?: OutputStore;
}

export interface App {
  app: Express;
  /** What an HTTP server should run: `app`, but streams that will open skip Express. */
  listener: RequestListener;
  /** The HTTP server's `clientError` handler: the JSON envelope for requests Node cannot parse. */
  onClientError: (error: Error, socket: Duplex) => void;
  broker: SseBroker;
  manager: SessionManager;
  output: OutputStore;
  outputStreams: OutputStreams;
  /**
   * Resolves once the app can answer: at once for a server on its own; with `REDIS_URL`,
   * once it has joined the cluster (waiting for Redis as long as it takes).
   */
  ready: Promise<void>;
  /**
   * Ends every stream and terminates every session (SIGKILL after `graceMs`, default
   * `KILL_GRACE_MS`); resolves once all have exited (and, in a cluster, the exits are
   * published and the instance has left). Does not close any HTTP server.
   */
  close(graceMs?: number): Promise<void>;
}

/** Builds the Express app without listening. */
export function createApp(deps: AppDeps): App {
  const { config } = deps;
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? pino({ level: config.logLevel });
  let observeFanOut = (_seconds: number) => {};
  // With REDIS_URL, Redis is the event log and the registry; see cluster/createCluster.ts.
  const cluster = config.redisUrl === undefined ? undefined : createCluster({ config: { ...config, redisUrl: config.redisUrl }, logger, now });
  if (cluster !== undefined && deps.broker !== undefined) throw new Error('with REDIS_URL the broker must be built on the cluster\'s event log; do not pass one');
  const broker =
    deps.broker ??
    new SseBroker({
      log: cluster?.log,
      replayEvents: config.sseReplayEvents,
      heartbeatMs: config.sseHeartbeatMs,
      maxConnections: config.sseMaxConnections,
      retryMs: DEFAULTS.sseRetryMs,
      now,
      onFanOut: (seconds) => observeFanOut(seconds),
    });
  const broadcaster = new SessionBroadcaster(broker, now);
  const output =
    deps.output ??
    new OutputStore({
      capacity: config.sessionsOutputBytes,
      onError: (error, message) => logger.warn({ err: error }, message),
    });
  const outputStreams = new OutputStreams({ heartbeatMs: config.sseHeartbeatMs, retryMs: DEFAULTS.sseRetryMs, now });
  const manager = new SessionManager({
    publish: (name, session) => broadcaster.publish(name, session),
    fsRoot: config.fsRoot,
    instance: config.instanceName,
    maxLive: config.sessionsMaxLive,
    keepEnded: config.sessionsKeepEnded,
    killGraceMs: config.killGraceMs,
    output,
    spawn: deps.spawn,
    kill: deps.kill,
    groupAlive: deps.groupAlive,
    timers: deps.timers,
    now,
  });
  const auth = deps.auth ?? createAuth(config.authToken);
  const store: SessionStore =
    cluster?.attach({ manager, broadcaster, auth, stopLocal: (id, signal) => stopSession(manager, id, signal), output }) ??
    new LocalSessionStore(manager, broker);
  const metrics = createMetrics(broker, manager, cluster);
  registerOutputMetrics(metrics.registry, { store: output, streams: outputStreams });
  if (cluster !== undefined) registerClusterOutputMetrics(metrics.registry, cluster);
  observeFanOut = (seconds) => metrics.fanOut.observe(seconds);
  const httpMetrics = createHttpMetrics(metrics.registry, {
    onStreamRefused: (status) => metrics.connectionErrors.inc({ reason: streamErrorReason(status) }),
  });
  const rollout = createRollout({
    percent: config.sseRolloutPercent,
    metrics: createRolloutMetrics(metrics.registry, config.sseRolloutPercent),
  });
  const authorised = requireAuth(auth);

  const api = express.Router();
  api.use(rateLimiter(config.rateLimitPerMinute, { store: cluster?.rateLimitStore(), logger }));
  api.use((_req, res, next) => {
    // Lists change all the time; a poller must never get a cached one. The stream sets its own.
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use(requireJson);
  api.use(jsonBody({ limitBytes: 16 * 1024 }));
  api.get('/health', (_req, res) => {
    if (cluster !== undefined && !cluster.isUp()) {
      // Exactly PROTOCOL.md's answer: a load balancer's check reads it as it is.
      const down: HealthResponse = { status: 'unavailable', redis: 'down' };
      res.status(503).json(down);
      return;
    }
    const body: HealthResponse = {
      status: 'ok',
      ...(cluster === undefined ? {} : { redis: 'up' as const }),
      instance: config.instanceName,
      sse: { enabled: config.sseEnabled, rolloutPercent: config.sseRolloutPercent },
    };
    res.json(body);
  });
  api.use('/auth', authRouter(auth));
  api.use(authorised);
  // In a cluster, another instance's session's output is read through its copy in Redis.
  const session = (id: string) => manager.get(id) ?? cluster?.session(id);
  const source = (id: string) => output.source(id) ?? cluster?.outputSource(id);
  api.use('/sessions', outputRouter({ session, source }));
  api.use('/sessions', sessionsRouter({ store, fsRoot: config.fsRoot }));
  api.use('/fs/dirs', dirsRouter(config.fsRoot));
  api.get('/openapi.json', openApiRoute());
  // Output streams count against SSE_MAX_CONNECTIONS with the sessions streams.
  const isFull = () => broker.isFull() || broker.connectionCount + outputStreams.count >= config.sseMaxConnections;
  const admission = createStreamAdmission(
    streamAdmissionChecks({ auth, corsOrigins: config.corsOrigins, enabled: config.sseEnabled, rollout, isFull }),
  );
  const streamDeps = { broker, broadcaster, store, metrics, admission };
  api.use('/sse', streamRouter(streamDeps));
  api.use('/sse', outputStreamRouter({ admission, streams: outputStreams, session, source, metrics }));
  api.use(apiNotFound);

  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  app.set('etag', false);
  app.use(requestLogger(logger));
  app.use(rollout.middleware);
  const headers = securityHeaders();
  app.use(headers);
  // Without a token the server is on loopback, and only the Host header tells a DNS-rebound page from a local one.
  if (config.authToken === undefined) app.use(loopbackHostGuard());
  app.use(corsHeaders(config.corsOrigins));
  app.use(crossOriginGuard(config.corsOrigins));
  app.use(answerOptions);
  app.use('/api', api);
  app.get(API_PATHS.metrics, authorised, async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  app.use(serveDashboard(deps.webRoot ?? DEFAULT_WEB_ROOT));
  app.use(errorHandler(logger));

  const fastPath = createStreamFastPath({ ...streamDeps, auth, securityHeaders: headers, logger });

  return {
    app,
    listener: (req, res) => {
      httpMetrics.observe(req, res);
      if (!fastPath(req, res)) void app(req, res);
    },
    onClientError: clientErrorHandler(logger),
    broker,
    manager,
    ready: cluster?.start() ?? Promise.resolve(),
    output,
    outputStreams,
    async close(graceMs) {
      outputStreams.closeAll();
      output.drain();
      broker.drain();
      await manager.shutdown(graceMs);
      await cluster?.flushOutput();
      await output.close();
      await cluster?.close();
    },
  };
}
