import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';

/** A server program (nginx, Prometheus) a test started on a 127.0.0.1 port, with a temp dir of its own. */
export interface HttpProcess {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** What it wrote on stdout and stderr. */
  output(): string;
  /** SIGTERM (SIGKILL after 5 s), then removes its temp dir. */
  stop(): Promise<void>;
}

/** Options of {@link startHttpProcess}. */
export interface HttpProcessOptions {
  /** Names it in errors. */
  name: string;
  command: string;
  args: string[];
  port: number;
  /** Its temp dir, removed by `stop` and when it fails to start. */
  dir: string;
  /** Path polled until `ready` says yes. */
  probePath: string;
  /** @default reply.ok */
  ready?: (reply: Response) => boolean;
  timeoutMs: number;
  intervalMs: number;
}

/**
 * Spawns `command` and polls `probePath` on `port` until it answers as `ready` wants.
 * @throws when it exits or is not ready within `timeoutMs` (after stopping it).
 */
export async function startHttpProcess(options: HttpProcessOptions): Promise<HttpProcess> {
  const ready = options.ready ?? ((reply: Response) => reply.ok);
  const child = spawn(options.command, options.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(options.dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`${options.name} exited: ${output}`);
    }
    if (await fetch(`${url}${options.probePath}`).then(ready, () => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.name} was not ready within ${options.timeoutMs} ms: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
  return { url, output: () => output, stop };
}
