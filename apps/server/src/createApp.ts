import type { HealthResponse } from '@sessionboard/protocol';
import { API_PATHS, DEFAULTS } from '@sessionboard/protocol';
import { SseBroker } from '@sessionboard/sse-broker';
import type { RequestListener } from 'node:http';
import express, { type Express } from 'express';
import { pino, type Logger } from 'pino';
import { createAuth, type Auth } from './auth/Auth.ts';
import { authRouter } from './auth/authRouter.ts';
import type { Config } from './config.ts';
import { corsHeaders } from './http/corsHeaders.ts';
import { createMetrics } from './metrics/createMetrics.ts';
import { crossOriginGuard } from './http/crossOriginGuard.ts';
import { dirsRouter } from './fs/dirsRouter.ts';
import { apiNotFound, errorHandler } from './http/errorHandler.ts';
import { loopbackHostGuard } from './http/loopbackHostGuard.ts';
import { OutputStore } from './output/OutputStore.ts';
import { OutputStreams } from './output/OutputStreams.ts';
import { outputRouter } from './output/outputRouter.ts';
import { outputStreamRouter } from './output/outputStreamRouter.ts';
import { registerOutputMetrics } from './output/registerOutputMetrics.ts';
import { rateLimiter } from './http/rateLimiter.ts';
import { requestLogger } from './http/requestLogger.ts';
import { requireAuth } from './auth/requireAuth.ts';
import { requireJson } from './http/requireJson.ts';
import { securityHeaders } from './http/securityHeaders.ts';
import { DEFAULT_WEB_ROOT, serveDashboard } from './http/serveDashboard.ts';
import { SessionBroadcaster } from './sessions/SessionBroadcaster.ts';
import { SessionManager } from './sessions/SessionManager.ts';
import { sessionsRouter } from './sessions/sessionsRouter.ts';
import { createStreamFastPath } from './stream/streamFastPath.ts';
import { streamRouter } from './stream/streamRouter.ts';

/** What {@link createApp} builds on; all but `config` have defaults made from it. */
export interface AppDeps {
  config: Config;
  /** @default a pino logger at `config.logLevel` */
  logger?: Logger;
  /** @default a broker configured by the `SSE_*` variables */
  broker?: SseBroker;
  /** @default a manager configured by `SESSIONS_*`, `KILL_GRACE_MS`, `FS_ROOT`, publishing to `broker` */
  manager?: SessionManager;
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
  broker: SseBroker;
  manager: SessionManager;
  output: OutputStore;
  outputStreams: OutputStreams;
  /**
   * Ends every stream and terminates every session (SIGKILL after `graceMs`, default
   * `KILL_GRACE_MS`); resolves once all have exited. Does not close any HTTP server.
   */
  close(graceMs?: number): Promise<void>;
}

/** Builds the Express app without listening. */
export function createApp(deps: AppDeps): App {
  const { config } = deps;
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? pino({ level: config.logLevel });
  const broker =
    deps.broker ??
    new SseBroker({
      replayEvents: config.sseReplayEvents,
      heartbeatMs: config.sseHeartbeatMs,
      maxConnections: config.sseMaxConnections,
      retryMs: DEFAULTS.sseRetryMs,
      now,
    });
  const broadcaster = new SessionBroadcaster(broker, now);
  const output =
    deps.output ??
    new OutputStore({
      capacity: config.sessionsOutputBytes,
      onError: (error, message) => logger.warn({ err: error }, message),
    });
  const outputStreams = new OutputStreams({ heartbeatMs: config.sseHeartbeatMs, retryMs: DEFAULTS.sseRetryMs, now });
  const manager =
    deps.manager ??
    new SessionManager({
      publish: (name, session) => broadcaster.publish(name, session),
      fsRoot: config.fsRoot,
      instance: config.instanceName,
      maxLive: config.sessionsMaxLive,
      keepEnded: config.sessionsKeepEnded,
      killGraceMs: config.killGraceMs,
      output,
      now,
    });
  const metrics = createMetrics(broker, manager);
  registerOutputMetrics(metrics.registry, { store: output, streams: outputStreams });
  const auth = deps.auth ?? createAuth(config.authToken);
  const authorised = requireAuth(auth);

  const api = express.Router();
  api.use(rateLimiter(config.rateLimitPerMinute));
  api.use((_req, res, next) => {
    // Lists change all the time; a poller must never get a cached one. The stream sets its own.
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use(requireJson);
  api.use(express.json({ limit: '16kb' }));
  api.get('/health', (_req, res) => {
    const body: HealthResponse = { status: 'ok' };
    res.json(body);
  });
  api.use('/auth', authRouter(auth));
  api.use(authorised);
  const session = (id: string) => manager.get(id);
  const source = (id: string) => output.source(id);
  api.use('/sessions', outputRouter({ session, source }));
  api.use('/sessions', sessionsRouter({ manager, broker, fsRoot: config.fsRoot }));
  api.use('/fs/dirs', dirsRouter(config.fsRoot));
  const streamDeps = { enabled: config.sseEnabled, broker, broadcaster, manager, metrics };
  api.use('/sse', streamRouter(streamDeps));
  // Output streams count against SSE_MAX_CONNECTIONS with the sessions streams.
  const isFull = () => broker.isFull() || broker.connectionCount + outputStreams.count >= config.sseMaxConnections;
  api.use('/sse', outputStreamRouter({ enabled: config.sseEnabled, isFull, streams: outputStreams, session, source, rejected: metrics.rejected }));
  api.use(apiNotFound);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestLogger(logger));
  const headers = securityHeaders();
  app.use(headers);
  // Without a token the server is on loopback, and only the Host header tells a DNS-rebound page from a local one.
  if (config.authToken === undefined) app.use(loopbackHostGuard());
  app.use(corsHeaders(config.corsOrigins));
  app.use(crossOriginGuard(config.corsOrigins));
  app.use('/api', api);
  app.get(API_PATHS.metrics, authorised, async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  app.use(serveDashboard(deps.webRoot ?? DEFAULT_WEB_ROOT));
  app.use(errorHandler(logger));

  const fastPath = createStreamFastPath({ ...streamDeps, auth, corsOrigins: config.corsOrigins, securityHeaders: headers, logger });

  return {
    app,
    listener: (req, res) => {
      if (!fastPath(req, res)) void app(req, res);
    },
    broker,
    manager,
    output,
    outputStreams,
    async close(graceMs) {
      outputStreams.closeAll();
      output.drain();
      broker.drain();
      await manager.shutdown(graceMs);
      await output.close();
    },
  };
}
