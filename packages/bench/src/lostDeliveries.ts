/**
 * Deliveries that never arrived, from the deliveries counted per event id over all streams:
 * for each event some stream got, the streams that did not get it, plus every stream for each
 * expected event that no stream got at all.
 */
export function lostDeliveries(counts: ReadonlyMap<string, number>, expectedEvents: number, streams: number): number {
  let lost = 0;
  for (const count of counts.values()) lost += Math.max(0, streams - count);
  return lost + Math.max(0, expectedEvents - counts.size) * streams;
}
