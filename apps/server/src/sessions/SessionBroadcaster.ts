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
    const payload: StreamEventMap[typeof name] = { type: name, session, at: this.#now() };
    this.#broker.publish(name, JSON.stringify(payload));
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
