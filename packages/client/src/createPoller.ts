import type { ClientTimers } from './ClientEnvironment.ts';

/** One poll as the poller hands it to its callback. */
export interface PollRequest {
  /** Aborted when the poll times out or polling stops; give it to the request. */
  readonly signal: AbortSignal;
  /** True once the poll has outlived its timeout (then `signal` is aborted too). */
  timedOut(): boolean;
  /** False once polling stopped after this poll began: its answer must change nothing. */
  current(): boolean;
}

/** Options of {@link createPoller}. */
export interface PollerOptions {
  timers: ClientTimers;
  /** Between polls, in ms; the first poll runs at `start()`. */
  intervalMs: number;
  /** How long one poll may take before its signal is aborted, in ms. @default intervalMs */
  timeoutMs?: number;
  /** Does one poll; its rejections are ignored (handle errors inside). */
  poll: (request: PollRequest) => Promise<void>;
}

/** A fallback polling loop: at most one poll in flight, each bounded by a timeout. */
export interface Poller {
  readonly running: boolean;
  /** Polls now and every `intervalMs`. Idempotent. */
  start(): void;
  /** Stops the loop and aborts the poll in flight. Idempotent. */
  stop(): void;
  /** Polls now unless a poll is in flight or the loop is stopped. */
  pollNow(): void;
}

/**
 * Builds a polling loop. A poll nobody answers (a stuck proxy) would hold up every later
 * one, so each gets `timeoutMs`; a tick that finds a poll in flight is skipped. Every run
 * of the loop (start to stop) has its own `AbortController`, so a poll begun before a
 * `stop()` cannot act after it, even if polling has started again since.
 */
export function createPoller(options: PollerOptions): Poller {
  const { timers, intervalMs, poll } = options;
  const timeoutMs = options.timeoutMs ?? intervalMs;
  let run: AbortController | null = null;
  let interval: unknown = null;
  let inFlight = false;

  async function once(): Promise<void> {
    const episode = run;
    if (episode === null || inFlight) return;
    inFlight = true;
    const controller = new AbortController();
    let timedOut = false;
    const timer = timers.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const endWithRun = () => {
      timers.clearTimeout(timer);
      controller.abort();
    };
    episode.signal.addEventListener('abort', endWithRun, { once: true });
    try {
      await poll({ signal: controller.signal, timedOut: () => timedOut, current: () => !episode.signal.aborted });
    } catch {
      // The callback handles its errors; a throw must not stop the loop.
    } finally {
      timers.clearTimeout(timer);
      episode.signal.removeEventListener('abort', endWithRun);
      if (run === episode) inFlight = false;
    }
  }

  return {
    get running() {
      return run !== null;
    },
    start() {
      if (run !== null) return;
      run = new AbortController();
      inFlight = false;
      interval = timers.setInterval(() => void once(), intervalMs);
      void once();
    },
    stop() {
      if (run === null) return;
      run.abort();
      run = null;
      timers.clearInterval(interval);
      interval = null;
      inFlight = false;
    },
    pollNow() {
      void once();
    },
  };
}
