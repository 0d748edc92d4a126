import type { OutputStreamsTimers } from './OutputStreams.ts';

/**
 * Node's timers, unref'd so that none of them keeps the process alive: the default timers of
 * the output parts (capture, store, streams) and of the cluster's copies of output.
 */
export const unrefTimers: OutputStreamsTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setInterval: (callback, ms) => setInterval(callback, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};
