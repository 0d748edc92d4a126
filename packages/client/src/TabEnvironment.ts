/** What a lock request may ask for; the part of the Web Locks `LockOptions` the client uses. */
export interface LockRequestOptions {
  mode?: 'exclusive' | 'shared';
  /** Takes the lock from its holder, whose request then rejects with an `AbortError`. */
  steal?: boolean;
  /** Aborting it withdraws a request not yet granted. */
  signal?: AbortSignal;
}

/** The part of the browser's `navigator.locks` (Web Locks API) the client uses. */
export interface LockManagerLike {
  /**
   * Calls `callback` once the lock is granted and holds it until the promise the callback
   * returns settles; the returned promise settles with it, or rejects (`AbortError`) when
   * the request is withdrawn or the lock stolen.
   */
  request(name: string, options: LockRequestOptions, callback: (lock: unknown) => Promise<void> | void): Promise<void>;
}

/** The part of a browser `BroadcastChannel` the client uses. */
export interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  close(): void;
}

/** Something constructible like `BroadcastChannel`. */
export type BroadcastChannelConstructor = new (name: string) => BroadcastChannelLike;
