import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, parseConfig, type Config } from './config.ts';
import { createApp } from './createApp.ts';
import { createLogger } from './ops/createLogger.ts';

/** PROTOCOL.md: exit within 10 s of SIGTERM. Past this, give up waiting. */
const FORCE_EXIT_MS = 9000;
/** Leaves time after the SIGKILLs for the exits to be seen and the server to close. */
const SHUTDOWN_GRACE_MAX_MS = 7000;

function loadConfig(): Config {
  try {
    return parseConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

const config = loadConfig();

// Short lines for a person at a terminal, JSON for everything else (journald, docker, files).
const logger = createLogger({ level: config.logLevel, pretty: process.stdout.isTTY === true });
const { listener, onClientError, close, ready } = createApp({ config, logger });
const server = createServer(listener);
server.on('clientError', onClientError);

server.on('error', (error) => {
  logger.fatal({ err: error }, 'cannot listen');
  process.exit(1);
});

// In a cluster, only once this instance has joined it (Redis reached, its state loaded).
ready.then(
  () => {
    if (stopping) return;
    server.listen(config.port, config.host, () => {
      const { address, port } = server.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      // `url` stays the origin, which scripts append API paths to; the message is a link to the dashboard.
      const url = `http://${host}:${port}`;
      logger.info({ url }, `Sessionboard on ${url}/`);
    });
  },
  (error: unknown) => {
    logger.fatal({ err: error }, 'cannot join the cluster');
    process.exit(1);
  },
);

let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  setTimeout(() => {
    logger.error('shutdown took too long; exiting anyway');
    process.exit(1);
  }, FORCE_EXIT_MS).unref();

  const closed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  await close(Math.min(config.killGraceMs, SHUTDOWN_GRACE_MAX_MS));
  server.closeAllConnections();
  await closed;
  logger.info('stopped');
  process.exit(0);
}

process.on('SIGTERM', (signal) => void shutdown(signal));
process.on('SIGINT', (signal) => void shutdown(signal));
