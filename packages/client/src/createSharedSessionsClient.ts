import { globalTimers } from './ClientEnvironment.ts';
import { createSessionsState, reduceSessionsState } from './SessionsState.ts';
import type { SessionsMessage } from './SessionsState.ts';
import type { BroadcastChannelConstructor, BroadcastChannelLike, LockManagerLike, LockRequestOptions } from './TabEnvironment.ts';
import { isTabMessage } from './TabMessage.ts';
import type { TabMessage } from './TabMessage.ts';
import { createSessionsClient } from './createSessionsClient.ts';
import type { SessionsClient, SessionsClientOptions, SessionsListener } from './createSessionsClient.ts';
import { sharedSessionsName } from './sharedSessionsName.ts';

/**
 * What this tab does for the connection:
 * - `holder`: it holds the lock and runs the one connection of the browser, sharing what it applies.
 * - `follower`: it applies what the holder shares and waits for the lock.
 * - `solo`: locks or channels are missing or failed, so it runs a connection of its own.
 * - `idle`: not started, or stopped.
 */
export type TabRole = 'idle' | 'holder' | 'follower' | 'solo';

/** {@link SessionsClientOptions} (for the connection this tab may come to run) and the sharing. */
export interface SharedSessionsClientOptions extends SessionsClientOptions {
  /** Elects the tab holding the connection; `null` gives every tab its own. @default globalThis.navigator?.locks, or null when absent */
  locks?: LockManagerLike | null;
  /** Carries state between tabs; `null` gives every tab its own connection. @default globalThis.BroadcastChannel, or null when absent */
  BroadcastChannel?: BroadcastChannelConstructor | null;
  /** The lock's and the channel's name. @default sharedSessionsName(baseUrl) */
  name?: string;
  /** This tab's id in tab messages. @default crypto.randomUUID() */
  tabId?: string;
  /** How often the holder tells the other tabs it is alive. @default 1000 */
  tabHeartbeatMs?: number;
  /**
   * How long a follower waits without a word from the holder (it pings after two tab
   * heartbeats) before it steals the lock: the holder's tab is frozen. @default 5000
   */
  holderTimeoutMs?: number;
}

/** A {@link SessionsClient} whose connection one tab of the browser runs for all of them. */
export interface SharedSessionsClient extends SessionsClient {
  getRole(): TabRole;
  /** Called on every change of role; returns the unsubscribe function. */
  subscribeRole(listener: (role: TabRole) => void): () => void;
}

/**
 * Builds a client that shares one connection among the tabs of a browser (issue 8). Each
 * tab queues for an exclusive Web Lock; the tab granted it runs the connection (a
 * {@link createSessionsClient} started from its own state, so it resumes from its cursor)
 * and posts every message it applies, its whole state to each new tab, and a heartbeat,
 * over a `BroadcastChannel`. The others apply those messages with the same reducer. A
 * closed or crashed holder's lock passes to the next tab by itself; a frozen one's is
 * stolen after `holderTimeoutMs` of silence, and a holder whose lock was stolen becomes a
 * follower. Without locks or channels, or when they throw, every tab runs its own
 * connection. Nothing happens until `start()`.
 */
export function createSharedSessionsClient(options: SharedSessionsClientOptions = {}): SharedSessionsClient {
  const {
    locks: locksOption,
    BroadcastChannel: channelOption,
    name: nameOption,
    tabId: tabIdOption,
    tabHeartbeatMs: tabHeartbeatOption,
    holderTimeoutMs: holderTimeoutOption,
    ...clientOptions
  } = options;
  const locks = locksOption === undefined ? defaultLocks() : locksOption;
  const ChannelCtor =
    channelOption === undefined
      ? ((globalThis as { BroadcastChannel?: BroadcastChannelConstructor }).BroadcastChannel ?? null)
      : channelOption;
  const name = nameOption ?? sharedSessionsName(clientOptions.baseUrl);
  const tabId = tabIdOption ?? randomId();
  const tabHeartbeatMs = tabHeartbeatOption ?? 1000;
  const holderTimeoutMs = holderTimeoutOption ?? 5000;
  const pingAfterMs = 2 * tabHeartbeatMs;
  const timers = clientOptions.timers ?? globalTimers;
  const now = clientOptions.now ?? Date.now;
  const random = clientOptions.random ?? Math.random;

  let state = clientOptions.initialState ?? createSessionsState();
  const listeners = new Set<SessionsListener>();
  const roleListeners = new Set<(role: TabRole) => void>();
  let role: TabRole = 'idle';
  let channel: BroadcastChannelLike | null = null;
  // The connection this tab runs, as holder or solo.
  let connection: { client: SessionsClient; unsubscribe: () => void } | null = null;
  // The queued lock request, and the lock held.
  let waiting: AbortController | null = null;
  let held: { release: () => void } | null = null;
  // Holder terms: the highest seen, and this tab's while it holds.
  let knownEpoch = 0;
  let termEpoch = 0;
  // The holder term whose whole state this tab has applied: it follows that term message by message.
  let syncedEpoch = 0;
  let lastHolderAt = 0;
  let pingSentAt: number | null = null;
  let stealJitterMs = 0;
  let heartbeatTimer: unknown = null;
  let holderTimer: unknown = null;
  // Set while a REST answer from another tab is applied, so the holder does not echo it.
  let applyingFromTab = false;

  function setRole(next: TabRole): void {
    if (role === next) return;
    role = next;
    for (const listener of [...roleListeners]) listener(role);
  }

  function applyLocally(message: SessionsMessage): void {
    const next = reduceSessionsState(state, message);
    if (next === state) return;
    state = next;
    for (const listener of [...listeners]) listener(state, message);
  }

  function post(message: TabMessage): void {
    try {
      channel?.postMessage(message);
    } catch {
      // A channel closed under us: the followers hear nothing and take over in time.
    }
  }

  function startConnection(share: boolean): void {
    const client = createSessionsClient({ ...clientOptions, initialState: state });
    const unsubscribe = client.subscribe((next, message) => {
      state = next;
      for (const listener of [...listeners]) listener(state, message);
      if (share && !applyingFromTab) post({ kind: 'message', from: tabId, epoch: termEpoch, message });
    });
    connection = { client, unsubscribe };
    client.start();
  }

  function stopConnection(): void {
    if (connection === null) return;
    // Unsubscribed first: the `offline` its stop reports is not this browser's status.
    connection.unsubscribe();
    connection.client.stop();
    connection = null;
  }

  function requestLock(steal: boolean): void {
    const controller = steal ? null : new AbortController();
    const lockOptions: LockRequestOptions =
      controller === null ? { mode: 'exclusive', steal: true } : { mode: 'exclusive', signal: controller.signal };
    let hold: { release: () => void } | null = null;
    const onGranted = (): Promise<void> | undefined => {
      if (waiting === controller) waiting = null;
      // Stopped, solo, or holding already (a steal and the queued request): release at once.
      if (role !== 'follower') return undefined;
      return new Promise<void>((resolve) => {
        hold = { release: resolve };
        held = hold;
        becomeHolder();
      });
    };
    let request: Promise<void>;
    try {
      request = locks!.request(name, lockOptions, onGranted);
    } catch {
      goSolo();
      return;
    }
    if (controller !== null) waiting = controller;
    request.then(undefined, () => {
      if (waiting === controller) waiting = null;
      if (hold !== null) {
        // Granted, then stolen (`AbortError`): a follower that stole it took over.
        if (held === hold) loseLock();
      } else if (!controller?.signal.aborted && role === 'follower') {
        // Refused before any grant: this browser cannot elect, so run a connection here.
        goSolo();
      }
    });
  }

  function becomeHolder(): void {
    clearHolderCheck();
    termEpoch = Math.max(now(), knownEpoch + 1);
    knownEpoch = termEpoch;
    setRole('holder');
    post({ kind: 'state', from: tabId, epoch: termEpoch, to: null, state });
    startConnection(true);
    heartbeatTimer = timers.setInterval(() => post({ kind: 'heartbeat', from: tabId, epoch: termEpoch }), tabHeartbeatMs);
  }

  function loseLock(): void {
    held?.release();
    held = null;
    clearHeartbeat();
    stopConnection();
    becomeFollower();
  }

  function becomeFollower(): void {
    setRole('follower');
    lastHolderAt = now();
    pingSentAt = null;
    // Spreads the followers' steals of a frozen holder's lock, so one tab usually takes it.
    stealJitterMs = random() * tabHeartbeatMs;
    post({ kind: 'hello', from: tabId });
    armHolderCheck(pingAfterMs);
    if (waiting === null) requestLock(false);
  }

  function goSolo(): void {
    if (role === 'solo') return;
    withdraw();
    setRole('solo');
    startConnection(false);
  }

  /** Leaves the election: no lock wanted or held, no timers, no channel, no connection. */
  function withdraw(): void {
    waiting?.abort();
    waiting = null;
    held?.release();
    held = null;
    clearHeartbeat();
    clearHolderCheck();
    stopConnection();
    channel?.close();
    channel = null;
  }

  function clearHeartbeat(): void {
    if (heartbeatTimer !== null) timers.clearInterval(heartbeatTimer);
    heartbeatTimer = null;
  }

  function clearHolderCheck(): void {
    if (holderTimer !== null) timers.clearTimeout(holderTimer);
    holderTimer = null;
  }

  function armHolderCheck(delayMs: number): void {
    clearHolderCheck();
    holderTimer = timers.setTimeout(checkHolder, Math.max(0, delayMs));
  }

  // A background holder's timers may be throttled to one a minute, but it answers a ping
  // at once; only a frozen (or hung) holder leaves it unanswered, and loses its lock.
  function checkHolder(): void {
    holderTimer = null;
    if (role !== 'follower') return;
    const time = now();
    if (time - lastHolderAt < pingAfterMs) {
      armHolderCheck(lastHolderAt + pingAfterMs - time);
      return;
    }
    if (pingSentAt === null) {
      pingSentAt = time;
      post({ kind: 'ping', from: tabId });
    }
    const stealAt = Math.max(lastHolderAt + holderTimeoutMs, pingSentAt + holderTimeoutMs - pingAfterMs) + stealJitterMs;
    if (time < stealAt) {
      armHolderCheck(stealAt - time);
      return;
    }
    requestLock(true);
  }

  /** True when a message of holder term `epoch` is the current holder's, for a follower. */
  function fromHolder(epoch: number): boolean {
    if (epoch < knownEpoch) return false;
    knownEpoch = epoch;
    if (role !== 'follower') return false;
    lastHolderAt = now();
    pingSentAt = null;
    return true;
  }

  function applyFromTab(message: SessionsMessage): void {
    if (connection === null) {
      applyLocally(message);
      return;
    }
    applyingFromTab = true;
    try {
      connection.client.apply(message);
    } finally {
      applyingFromTab = false;
    }
  }

  function onTabMessage(event: MessageEvent): void {
    const message: unknown = event.data;
    if (!isTabMessage(message) || message.from === tabId) return;
    switch (message.kind) {
      case 'hello':
        if (role === 'holder') post({ kind: 'state', from: tabId, epoch: termEpoch, to: message.from, state });
        return;
      case 'ping':
        if (role === 'holder') post({ kind: 'heartbeat', from: tabId, epoch: termEpoch });
        return;
      case 'reconnect':
        if (role === 'holder') connection?.client.reconnect();
        return;
      case 'heartbeat':
        fromHolder(message.epoch);
        return;
      case 'state':
        if (!fromHolder(message.epoch)) return;
        // A hello's answer from a holder whose claim this tab applied brings nothing new.
        if (message.to === null || (message.to === tabId && syncedEpoch !== message.epoch)) {
          syncedEpoch = message.epoch;
          applyLocally({ type: 'state', state: message.state });
        }
        return;
      case 'message': {
        const { type } = message.message;
        // A REST answer is news from any tab; the connection's messages only from the holder.
        if (type === 'upsert' || type === 'remove') applyFromTab(message.message);
        else if (message.epoch !== null && fromHolder(message.epoch)) applyLocally(message.message);
        return;
      }
    }
  }

  return {
    start() {
      if (role !== 'idle') return;
      if (locks === null || ChannelCtor === null) {
        goSolo();
        return;
      }
      try {
        channel = new ChannelCtor(name);
        channel.addEventListener('message', onTabMessage);
      } catch {
        channel = null;
        goSolo();
        return;
      }
      becomeFollower();
    },
    stop() {
      if (role === 'idle') return;
      withdraw();
      setRole('idle');
      applyLocally({ type: 'status', status: 'offline', error: null });
    },
    reconnect() {
      if (connection !== null) connection.client.reconnect();
      else if (role === 'follower') post({ kind: 'reconnect', from: tabId });
    },
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    apply(message) {
      if (connection !== null) connection.client.apply(message);
      else applyLocally(message);
      // The holder shares what it applies already; a follower shares its REST answers.
      if (role === 'follower' && (message.type === 'upsert' || message.type === 'remove')) {
        post({ kind: 'message', from: tabId, epoch: null, message });
      }
    },
    getRole: () => role,
    subscribeRole(listener) {
      roleListeners.add(listener);
      return () => roleListeners.delete(listener);
    },
  };
}

function defaultLocks(): LockManagerLike | null {
  try {
    return globalThis.navigator?.locks ?? null;
  } catch {
    return null;
  }
}

function randomId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
