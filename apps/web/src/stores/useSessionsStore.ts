import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { isLiveStatus } from '@sessionboard/protocol';
import type { CreateSessionRequest, DirListing, Session } from '@sessionboard/protocol';
import type { ConnectionStatus, SessionsApi, SessionsClient, SessionsState } from '@sessionboard/client';

/** What the store is fed by and acts through: the live client and the REST helper. */
export interface SessionsBackend {
  client: Pick<SessionsClient, 'start' | 'stop' | 'reconnect' | 'getState' | 'subscribe' | 'apply'>;
  api: Pick<SessionsApi, 'createSession' | 'terminateSession' | 'removeSession' | 'listDirs'>;
}

/** Newest first; ties (same millisecond) by id, so the order is stable. */
function newestFirst(a: Session, b: Session): number {
  return b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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

  let backend: SessionsBackend | null = null;
  let unsubscribe: (() => void) | null = null;

  const sessions = computed(() => Object.values(sessionsById.value).sort(newestFirst));
  const activeSessions = computed(() => sessions.value.filter((session) => isLiveStatus(session.status)));
  const sessionCount = computed(() => sessions.value.length);
  /** Nothing received yet and still trying. */
  const loading = computed(() => lastUpdateAt.value === null && status.value !== 'offline');

  function applyState(state: SessionsState): void {
    sessionsById.value = state.sessions;
    status.value = state.status;
    lastUpdateAt.value = state.lastUpdateAt;
    error.value = state.error;
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

  /** Starts a process; the session shows at once, before the stream reports it. @throws ApiError */
  async function createSession(body: CreateSessionRequest): Promise<Session> {
    const { api, client } = requireBackend();
    const session = await api.createSession(body);
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
  function listDirs(path?: string): Promise<DirListing> {
    return requireBackend().api.listDirs(path);
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
    sessions,
    activeSessions,
    sessionCount,
    loading,
    applyState,
    startConnection,
    stopConnection,
    reconnect,
    createSession,
    terminateSession,
    removeSession,
    listDirs,
    dismissActionError,
  };
});
