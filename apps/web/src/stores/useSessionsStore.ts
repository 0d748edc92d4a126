import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { isEndedStatus, isLiveStatus } from '@sessionboard/protocol';
import type { CreateSessionRequest, DirListing, Session } from '@sessionboard/protocol';
import { ApiError } from '@sessionboard/client';
import type { ConnectionStatus, SessionsApi, SessionsClient, SessionsMessage, SessionsState } from '@sessionboard/client';
import { detectRestart } from '../utils/detectRestart.ts';
import type { RestartNotice } from '../utils/detectRestart.ts';

/** What the store is fed by and acts through: the live client and the REST helper. */
export interface SessionsBackend {
  client: Pick<SessionsClient, 'start' | 'stop' | 'reconnect' | 'getState' | 'subscribe' | 'apply'>;
  api: Pick<
    SessionsApi,
    'createSession' | 'terminateSession' | 'killSession' | 'removeSession' | 'listDirs' | 'authStatus' | 'signIn' | 'signOut'
  >;
}

/** Options of {@link useSessionsStore}'s `clearEnded`. */
export const CLEAR_ENDED = {
  /** How long "Undo" is offered before the sessions are removed on the server. */
  undoMs: 6000,
  /** Removals in flight at once. */
  concurrency: 4,
  /** Longest `Retry-After` waited out when the rate limit stops the removals. */
  maxRetryAfterMs: 60_000,
  /** Rate-limit refusals waited out in one clear before it gives up. */
  maxRateLimitWaits: 10,
} as const;

/** A failed action, in the server's words. */
interface ActionFailure {
  message: string;
  /** No answer from the server: the connection banner tells of it once the client notices. */
  connection: boolean;
}

/** Newest first; ties (same millisecond) by id, so the order is stable. */
function newestFirst(a: Session, b: Session): number {
  return b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isUnauthorised(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}

/**
 * The dashboard's sessions and connection state. It holds what the client's state says
 * and nothing else: every change, REST answers included, goes through the client, so the
 * store only applies state.
 */
export const useSessionsStore = defineStore('sessions', () => {
  const sessionsById = shallowRef<Readonly<Record<string, Session>>>({});
  const status = ref<ConnectionStatus>('connecting');
  const lastUpdateAt = ref<number | null>(null);
  /** Why the connection is not live, from the client. */
  const error = ref<string | null>(null);
  /** The server's heartbeat interval, from the last stream snapshot: output streams share it. Null until one came. */
  const heartbeatMs = ref<number | null>(null);
  /** The last failed row action (terminate, kill, remove, run again, clear ended). */
  const actionFailure = shallowRef<ActionFailure | null>(null);
  /** The server restarted and took the old list with it; null once dismissed. */
  const restartNotice = shallowRef<RestartNotice | null>(null);
  /** Ended sessions "Clear ended" has hidden, waiting out the undo time before removal. */
  const pendingClear = shallowRef<{ ids: readonly string[]; timer: ReturnType<typeof setTimeout> } | null>(null);
  /** Sessions hidden from the list: cleared, and not yet gone from the server. */
  const hiddenIds = shallowRef<ReadonlySet<string>>(new Set());
  /** The server has `AUTH_TOKEN` set (from `GET /api/auth/status`, or learnt by a sign-in). */
  const authEnabled = ref(false);
  /** The client is waiting for a sign-in (its stream or poll got 401). */
  const clientAuthRequired = ref(false);
  /** Something besides the client asked for a sign-in: a REST call got 401, or the user signed out. */
  const signInAsked = ref(false);

  let backend: SessionsBackend | null = null;
  let unsubscribe: (() => void) | null = null;
  let lastState: SessionsState | null = null;

  const sessions = computed(() =>
    Object.values(sessionsById.value)
      .filter((session) => !hiddenIds.value.has(session.id))
      .sort(newestFirst),
  );
  const activeSessions = computed(() => sessions.value.filter((session) => isLiveStatus(session.status)));
  const sessionCount = computed(() => sessions.value.length);
  /** Nothing received yet and still trying. */
  const loading = computed(() => lastUpdateAt.value === null && status.value !== 'offline');
  /** Show the sign-in form instead of the sessions. */
  const signInRequired = computed(() => clientAuthRequired.value || signInAsked.value);
  /**
   * The last failed action's message; a connection failure is left to the offline banner
   * while that shows (one error, one place).
   */
  const actionError = computed(() => {
    const failure = actionFailure.value;
    return failure === null || (failure.connection && status.value === 'offline') ? null : failure.message;
  });
  /** The list is the last one known, not the server's now: actions that need the server are off. */
  const offline = computed(() => status.value === 'offline');

  /** Applies the client's state; `message` (the change that made it) tells a restart from an update. */
  function applyState(state: SessionsState, message?: SessionsMessage): void {
    const previous = lastState;
    lastState = state;
    if (previous !== null && message !== undefined) {
      const restart = detectRestart(previous, state, message);
      if (restart !== null) restartNotice.value = restart;
    }
    // The connection is back: what failed for want of it may work now.
    if ((state.status === 'live' || state.status === 'polling') && actionFailure.value?.connection) actionFailure.value = null;
    sessionsById.value = state.sessions;
    lastUpdateAt.value = state.lastUpdateAt;
    heartbeatMs.value = state.heartbeatMs;
    // A connection coming up proves this browser is signed in again (perhaps in another tab).
    if (status.value !== state.status && (state.status === 'live' || state.status === 'polling')) signInAsked.value = false;
    status.value = state.status;
    error.value = state.error;
    clientAuthRequired.value = state.authRequired === true;
    if (state.authRequired === true) authEnabled.value = true;
  }

  /** Notes a 401 from a REST call: the sign-in has ended, so ask for one. */
  function noteRefusal(cause: unknown): void {
    if (!isUnauthorised(cause)) return;
    signInAsked.value = true;
    authEnabled.value = true;
  }

  async function loadAuthStatus(api: SessionsBackend['api']): Promise<void> {
    try {
      const answer = await api.authStatus();
      if (backend?.api !== api) return;
      authEnabled.value = answer.authRequired;
      if (answer.authRequired && !answer.authenticated) signInAsked.value = true;
    } catch {
      // The connection's own status tells of an unreachable server.
    }
  }

  function requireBackend(): SessionsBackend {
    if (backend === null) throw new Error('useSessionsStore: call startConnection(backend) first.');
    return backend;
  }

  /** Follows `next.client` from its current state on, and starts it. */
  function startConnection(next: SessionsBackend): void {
    stopConnection();
    backend = next;
    lastState = null;
    applyState(next.client.getState());
    unsubscribe = next.client.subscribe(applyState);
    next.client.start();
    void loadAuthStatus(next.api);
  }

  function stopConnection(): void {
    unsubscribe?.();
    unsubscribe = null;
    backend?.client.stop();
  }

  /** Retries the stream now instead of after the backoff. */
  function reconnect(): void {
    backend?.client.reconnect();
  }

  /**
   * Signs in with the server's token; the live view resumes at once (the client retries
   * now). @throws ApiError 401 for a wrong token, 429 past the attempt limit
   */
  async function signIn(token: string): Promise<void> {
    const { api, client } = requireBackend();
    await api.signIn(token);
    authEnabled.value = true;
    signInAsked.value = false;
    client.reconnect();
  }

  /**
   * Signs out: the server revokes the cookie and ends its streams, and the sign-in form
   * shows at once. @throws ApiError
   */
  async function signOut(): Promise<void> {
    await requireBackend().api.signOut();
    signInAsked.value = true;
  }

  /** Starts a process; the session shows at once, before the stream reports it. @throws ApiError */
  async function createSession(body: CreateSessionRequest): Promise<Session> {
    const { api, client } = requireBackend();
    let session: Session;
    try {
      session = await api.createSession(body);
    } catch (cause) {
      noteRefusal(cause);
      throw cause;
    }
    client.apply({ type: 'upsert', session });
    return session;
  }

  function fail(cause: unknown): void {
    noteRefusal(cause);
    actionFailure.value = {
      message: messageOf(cause),
      connection: cause instanceof ApiError && cause.code === 'network_error',
    };
  }

  async function changeSession(id: string, call: 'terminateSession' | 'removeSession' | 'killSession'): Promise<boolean> {
    const { api, client } = requireBackend();
    try {
      const session = await api[call](id);
      client.apply(session === null ? { type: 'remove', id } : { type: 'upsert', session });
      actionFailure.value = null;
      return true;
    } catch (cause) {
      fail(cause);
      return false;
    }
  }

  /** Sends SIGTERM (then SIGKILL after the grace period). False, with `actionError` set, on failure. */
  function terminateSession(id: string): Promise<boolean> {
    return changeSession(id, 'terminateSession');
  }

  /** Sends SIGKILL at once, e.g. to a session stuck in `stopping`. False, with `actionError` set, on failure. */
  function killSession(id: string): Promise<boolean> {
    return changeSession(id, 'killSession');
  }

  /** Forgets an ended session. False, with `actionError` set, on failure. */
  function removeSession(id: string): Promise<boolean> {
    return changeSession(id, 'removeSession');
  }

  /**
   * Starts `session`'s command again, with its name and directory: a new session, shown
   * at once. Null, with `actionError` set, on failure.
   */
  async function runAgain(session: Session): Promise<Session | null> {
    try {
      const started = await createSession({ command: session.command, name: session.name, cwd: session.cwd });
      actionFailure.value = null;
      return started;
    } catch (cause) {
      fail(cause);
      return null;
    }
  }

  /**
   * Hides every ended session (exited, failed, lost) at once and removes them on the
   * server after {@link CLEAR_ENDED}.undoMs, unless `undoClear()` comes first. Returns how
   * many it hid. A clear still waiting is carried out first.
   */
  function clearEnded(): number {
    void commitClear();
    const ids = sessions.value.filter((session) => isEndedStatus(session.status)).map((session) => session.id);
    if (ids.length === 0) return 0;
    pendingClear.value = { ids, timer: setTimeout(() => void commitClear(), CLEAR_ENDED.undoMs) };
    hiddenIds.value = new Set([...hiddenIds.value, ...ids]);
    return ids.length;
  }

  /** Shows the sessions `clearEnded()` hid again; nothing is removed. */
  function undoClear(): void {
    if (pendingClear.value === null) return;
    clearTimeout(pendingClear.value.timer);
    pendingClear.value = null;
    hiddenIds.value = new Set();
  }

  function unhide(ids: readonly string[]): void {
    const next = new Set(hiddenIds.value);
    for (const id of ids) next.delete(id);
    hiddenIds.value = next;
  }

  /** Removes the sessions of the waiting clear, a few at a time, waiting out the rate limit. */
  async function commitClear(): Promise<void> {
    const pending = pendingClear.value;
    if (pending === null) return;
    clearTimeout(pending.timer);
    pendingClear.value = null;
    const { api, client } = requireBackend();
    const queue = [...pending.ids];
    const failed: string[] = [];
    let failure: unknown = null;
    let waits = 0;
    // Set while the rate limit is waited out: every worker holds off, not just the refused one.
    let pause: Promise<void> | null = null;
    const worker = async (): Promise<void> => {
      for (;;) {
        while (pause !== null) await pause;
        const id = queue.shift();
        if (id === undefined) return;
        try {
          await api.removeSession(id);
          client.apply({ type: 'remove', id });
        } catch (cause) {
          if (cause instanceof ApiError && cause.status === 404) {
            client.apply({ type: 'remove', id });
          } else if (cause instanceof ApiError && cause.code === 'rate_limited' && failure === null && waits < CLEAR_ENDED.maxRateLimitWaits) {
            waits += 1;
            queue.unshift(id);
            const waitMs = Math.min(cause.retryAfterMs ?? 1000, CLEAR_ENDED.maxRetryAfterMs);
            pause ??= new Promise<void>((resolve) => setTimeout(resolve, waitMs)).then(() => {
              pause = null;
            });
          } else {
            failed.push(id, ...queue.splice(0));
            failure ??= cause;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: CLEAR_ENDED.concurrency }, worker));
    unhide(pending.ids);
    if (failure !== null) {
      fail(failure);
      if (actionFailure.value !== null) {
        actionFailure.value = { ...actionFailure.value, message: `${failed.length} ended sessions were not removed: ${actionFailure.value.message}` };
      }
    }
  }

  function dismissRestartNotice(): void {
    restartNotice.value = null;
  }

  /** Subdirectories for the cwd picker. @throws ApiError */
  async function listDirs(path?: string): Promise<DirListing> {
    try {
      return await requireBackend().api.listDirs(path);
    } catch (cause) {
      noteRefusal(cause);
      throw cause;
    }
  }

  function dismissActionError(): void {
    actionFailure.value = null;
  }

  return {
    sessionsById,
    status,
    lastUpdateAt,
    error,
    heartbeatMs,
    actionError,
    restartNotice,
    pendingClear,
    authEnabled,
    signInRequired,
    offline,
    sessions,
    activeSessions,
    sessionCount,
    loading,
    applyState,
    startConnection,
    stopConnection,
    reconnect,
    signIn,
    signOut,
    createSession,
    terminateSession,
    killSession,
    removeSession,
    runAgain,
    clearEnded,
    undoClear,
    listDirs,
    dismissActionError,
    dismissRestartNotice,
  };
});
