/** The id of the empty start of a Redis stream, before its first entry. */
export const START_STREAM_ID = '0-0';

/** A Redis stream entry id, `<ms>-<seq>`, without leading zeros. */
const STREAM_ID = /^(0|[1-9][0-9]{0,19})-(0|[1-9][0-9]{0,19})$/;
/** An epoch: the random value a Redis dataset was given at its first use. */
const EPOCH = /^[a-z0-9]{1,32}$/;

/** An event id as clients see it, taken apart. */
export interface ClusterEventId {
  epoch: string;
  streamId: string;
}

/**
 * The id clients see for stream entry `streamId` of the dataset with `epoch`:
 * `<epoch>-<ms>-<seq>`. The epoch makes an id from before Redis lost its data (restarted
 * empty) unknown, so the client gets a snapshot instead of a mistaken replay.
 */
export function formatClusterEventId(epoch: string, streamId: string): string {
  return `${epoch}-${streamId}`;
}

/** Takes a client's id apart; undefined for anything not made by {@link formatClusterEventId}. */
export function parseClusterEventId(id: string): ClusterEventId | undefined {
  const dash = id.indexOf('-');
  if (dash < 0) return undefined;
  const epoch = id.slice(0, dash);
  const streamId = id.slice(dash + 1);
  return EPOCH.test(epoch) && isStreamId(streamId) ? { epoch, streamId } : undefined;
}

/** True for a well-formed stream entry id. */
export function isStreamId(value: string): boolean {
  return STREAM_ID.test(value);
}

/** Orders two well-formed stream ids: negative, zero or positive, as Redis orders them. */
export function compareStreamIds(a: string, b: string): number {
  if (a === b) return 0;
  const [aMs = '', aSeq = ''] = a.split('-');
  const [bMs = '', bSeq = ''] = b.split('-');
  return compareDigits(aMs, bMs) || compareDigits(aSeq, bSeq);
}

/** Compares non-negative integers written without leading zeros, of any length. */
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A fresh epoch: 12 random base-36 characters. */
export function createEpoch(random: () => number = Math.random): string {
  let epoch = '';
  while (epoch.length < 12) epoch += Math.floor(random() * 36).toString(36);
  return epoch;
}
