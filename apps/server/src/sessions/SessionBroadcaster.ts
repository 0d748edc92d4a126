import type { Session, SessionChangeEventName, StreamEventMap } from '@sessionboard/protocol';
import type { SnapshotFrame, SseBroker } from '@sessionboard/sse-broker';

/**
 * Connects the session manager to the broker: each change becomes one event whose JSON is
 * built once, here, and whose frame the broker encodes once for every stream.
 */
export class SessionBroadcaster {
  readonly #broker: SseBroker;
  readonly #now: () => number;

  constructor(broker: SseBroker, now: () => number = Date.now) {
    this.#broker = broker;
    this.#now = now;
  }

  /** Publishes `{"type":name,"session":…,"at":<ms>}` as event `name`. */
  publish(name: SessionChangeEventName, session: Session): void {
    this.#broker.publish(name, changeEventData(name, session, this.#now()));
  }

  /** The `snapshot` event for a stream that starts without (or cannot) resuming. */
  snapshot(sessions: Session[]): SnapshotFrame {
    const payload: StreamEventMap['snapshot'] = {
      type: 'snapshot',
      sessions,
      at: this.#now(),
      heartbeatMs: this.#broker.heartbeatMs,
    };
    return { event: 'snapshot', data: JSON.stringify(payload) };
  }
}

/** The data of change event `name`: `{"type":name,"session":…,"at":at}` (epoch ms). */
export function changeEventData(name: SessionChangeEventName, session: Session, at: number): string {
  const payload: StreamEventMap[typeof name] = { type: name, session, at };
  return JSON.stringify(payload);
}
