import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real `redis-server` started by a test on a free 127.0.0.1 port, in a temp dir of its own. */
export interface RedisServer {
  port: number;
  url: string;
  /** Freezes the server with SIGSTOP: connections stay open and nothing is answered. */
  pause(): void;
  /** Thaws it with SIGCONT. */
  resume(): void;
  /**
   * Stops the server and starts it again on the same port: with its data (saved to disk
   * first, as a clean shutdown does), or empty (killed, its data gone).
   */
  restart(options: { keepData: boolean; downMs?: number }): Promise<void>;
  /** Sends one command over a fresh connection and returns the raw reply. */
  command(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

const running = new Set<RedisServer>();

/** A port free now (the kernel picks it; a small race with other tests is accepted). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Sends one RESP command and resolves with the first complete reply line(s) as text. */
function sendCommand(port: number, args: string[], timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis on ${port} did not answer ${args[0]} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.endsWith('\r\n')) {
        clearTimeout(timer);
        socket.end();
        resolve(reply);
      }
    });
    socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`);
  });
}

/** Starts `redis-server` (from PATH) with no persistence but a dump file for restarts that keep data. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'sessionboard-redis-'));
  let child: ChildProcess | undefined;

  const launch = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', 'dump.rdb', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        if ((await sendCommand(port, ['PING'], 500)).startsWith('+PONG')) return;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  };
  const kill = async () => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGCONT');
    current.kill('SIGKILL');
    await exited;
  };

  await launch();
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    async restart({ keepData, downMs = 300 }) {
      if (keepData) await sendCommand(port, ['SAVE'], 5000);
      await kill();
      if (!keepData) await rm(join(dir, 'dump.rdb'), { force: true });
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await launch();
    },
    command: (...args) => sendCommand(port, args),
    async stop() {
      running.delete(server);
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
  running.add(server);
  return server;
}

/** Stops every Redis the tests started; for afterEach. */
export async function stopRedises(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
}
