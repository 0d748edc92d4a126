import { vi } from 'vitest';
import { createSessionsState, reduceSessionsState } from '@sessionboard/client';
import type { SessionsListener, SessionsMessage, SessionsState } from '@sessionboard/client';
import type { AuthStatusResponse, DirListing, Session } from '@sessionboard/protocol';
import type { SessionsBackend } from '../stores/useSessionsStore.ts';

/** A backend whose client state the test drives with `push`, and whose API calls are mocks. */
export function fakeBackend() {
  let state: SessionsState = createSessionsState();
  const listeners = new Set<SessionsListener>();
  const apply = (message: SessionsMessage) => {
    const next = reduceSessionsState(state, message);
    if (next === state) return;
    state = next;
    for (const listener of listeners) listener(state, message);
  };
  const client = {
    start: vi.fn(),
    stop: vi.fn(),
    reconnect: vi.fn(),
    getState: () => state,
    subscribe: (listener: SessionsListener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    apply: vi.fn(apply),
  };
  const api = {
    createSession: vi.fn<(body: unknown) => Promise<Session>>(),
    terminateSession: vi.fn<(id: string) => Promise<Session | null>>(),
    removeSession: vi.fn<(id: string) => Promise<Session | null>>(),
    killSession: vi.fn<(id: string) => Promise<Session | null>>(),
    listDirs: vi.fn<(path?: string) => Promise<DirListing>>(),
    authStatus: vi.fn<() => Promise<AuthStatusResponse>>(async () => ({ authRequired: false, authenticated: true })),
    signIn: vi.fn<(token: string) => Promise<void>>(async () => {}),
    signOut: vi.fn<() => Promise<void>>(async () => {}),
  };
  const backend: SessionsBackend = { client, api };
  return { backend, client, api, push: apply };
}

/** A running session, as the client package's own tests build them. */
export { session } from '@sessionboard/client/testing';
