/** Where the cluster keeps its data in Redis, and the pub/sub channels it talks on. */
export interface ClusterKeys {
  /** String: the random value the dataset got at first use; ids carry it. */
  epoch: string;
  /** Hash: session id → session JSON, the registry. */
  sessions: string;
  /** Stream: the replay log; entries `e` (event), `d` (data), `p` (the previous entry's id). */
  events: string;
  /** Hash: instance name → Redis time (ms) of its last heartbeat. */
  instances: string;
  /**
   * Stream per session: a copy of its output, carried by the instance that runs it, entry ids
   * `<offset after the entry>-0` (`-1` for the end mark); see `OutputCarrier`.
   */
  output(id: string): string;
  /** Prefix of {@link output}, for the scripts that delete a removed session's copy. */
  outputPrefix: string;
  /** Channel per session: the offset its output copy reaches, after each write. */
  outputChannel(id: string): string;
  /** String per process run: the last outbox seq Redis applied. */
  applied(runId: string): string;
  /** String per sign-in (by the hash of its id): its expiry (epoch ms), with a TTL. */
  signIn(key: string): string;
  /** Prefix of the shared rate limit's counters. */
  rateLimitPrefix: string;
  /** Prefix of the shared sign-in attempt counters. */
  attemptsPrefix: string;
  /** Channel: heartbeats and departures. */
  beats: string;
  /** Channel: requests to instance `name`. */
  requests(name: string): string;
  /** Channel: replies to instance `name`. */
  replies(name: string): string;
  /** Channel: sign-ins made and revoked. */
  signIns: string;
}

/** Every key and channel under `prefix`. @default prefix 'sessionboard:' */
export function clusterKeys(prefix = 'sessionboard:'): ClusterKeys {
  return {
    epoch: `${prefix}epoch`,
    sessions: `${prefix}sessions`,
    events: `${prefix}events`,
    instances: `${prefix}instances`,
    output: (id) => `${prefix}out:${id}`,
    outputPrefix: `${prefix}out:`,
    outputChannel: (id) => `${prefix}outc:${id}`,
    applied: (runId) => `${prefix}applied:${runId}`,
    signIn: (key) => `${prefix}signin:${key}`,
    rateLimitPrefix: `${prefix}rl:`,
    attemptsPrefix: `${prefix}attempts:`,
    beats: `${prefix}beats`,
    requests: (name) => `${prefix}req:${name}`,
    replies: (name) => `${prefix}rep:${name}`,
    signIns: `${prefix}signins`,
  };
}
