import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { isLiveStatus } from '@sessionboard/protocol';
import type { CreateSessionRequest, DirListing, Session } from '@sessionboard/protocol';
import { ApiError } from '@sessionboard/client';
import type { ConnectionStatus, SessionsApi, SessionsClient, SessionsState } from '@sessionboard/client';

/** What the store is fed by and acts through: the live client and the REST helper. */
export interface SessionsBackend {
  client: Pick<SessionsClient, 'start' | 'stop' | 'reconnect' | 'getState' | 'subscribe' | 'apply'>;
  api: Pick<
    SessionsApi,
    'createSession' | 'terminateSession' | 'removeSession' | 'listDirs' | 'authStatus' | 'signIn' | 'signOut'
  >;
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
  /** The last failed terminate or remove, in the server's words. */
  const actionError = ref<string | null>(null);
  /** The server has `AUTH_TOKEN` set (from `GET /api/auth/status`, or learnt by a sign-in). */
  const authEnabled = ref(false);
  /** The client is waiting for a sign-in (its stream or poll got 401). */
  const clientAuthRequired = ref(false);
  /** Something besides the client asked for a sign-in: a REST call got 401, or the user signed out. */
  const signInAsked = ref(false);

  let backend: SessionsBackend | null = null;
  let unsubscribe: (() => void) | null = null;

  const sessions = computed(() => Object.values(sessionsById.value).sort(newestFirst));
  const activeSessions = computed(() => sessions.value.filter((session) => isLiveStatus(session.status)));
  const sessionCount = computed(() => sessions.value.length);
  /** Nothing received yet and still trying. */
  const loading = computed(() => lastUpdateAt.value === null && status.value !== 'offline');
  /** Show the sign-in form instead of the sessions. */
  const signInRequired = computed(() => clientAuthRequired.value || signInAsked.value);

  function applyState(state: SessionsState): void {
    sessionsById.value = state.sessions;
    lastUpdateAt.value = state.lastUpdateAt;
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

  async function deleteSession(id: string, call: 'terminateSession' | 'removeSession'): Promise<boolean> {
    const { api, client } = requireBackend();
    try {
      const session = await api[call](id);
      client.apply(session === null ? { type: 'remove', id } : { type: 'upsert', session });
      actionError.value = null;
      return true;
    } catch (cause) {
      noteRefusal(cause);
      actionError.value = messageOf(cause);
      return false;
    }
  }

  /** Sends SIGTERM (then SIGKILL after the grace period). False, with `actionError` set, on failure. */
  function terminateSession(id: string): Promise<boolean> {
    return deleteSession(id, 'terminateSession');
  }

  /** Forgets an ended session. False, with `actionError` set, on failure. */
  function removeSession(id: string): Promise<boolean> {
    return deleteSession(id, 'removeSession');
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
    actionError.value = null;
  }

  return {
    sessionsById,
    status,
    lastUpdateAt,
    error,
    actionError,
    authEnabled,
    signInRequired,
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
    removeSession,
    listDirs,
    dismissActionError,
  };
});
