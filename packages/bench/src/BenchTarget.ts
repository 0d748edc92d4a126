/** A server under test: how to start it and how to make it publish. */
export interface BenchTarget {
  /** Short key, e.g. `node-floor`. */
  key: string;
  /** Name in tables and charts. */
  label: string;
  /** The Node script the server runs as, and the Node flags before it. */
  script: string;
  nodeArgs: string[];
  /**
   * An executable run as it is instead of Node and `script` (the Go peer); it must report its
   * heap on SIGUSR2 as the Node preload of `startServer` does.
   */
  executable?: string;
  /** Its environment, on top of the bench's own; `PORT` and `HOST` are added. */
  env: Record<string, string>;
  cwd?: string;
  /** Runs with more streams are skipped (a server that takes minutes there). @default no limit */
  maxStreams?: number;
  /** Events one `POST /api/sessions` publishes. */
  eventsPerTrigger: number;
}
