import { API_PATHS, sessionOutputPath } from '@sessionboard/protocol';
import type {
  AuthStatusResponse,
  CreateSessionRequest,
  DirListing,
  LoginRequest,
  Session,
  SessionListResponse,
  SessionOutputResponse,
} from '@sessionboard/protocol';
import { apiErrorFromResponse, networkError } from './ApiError.ts';

/** Dependencies of {@link createSessionsApi}. */
export interface SessionsApiOptions {
  /** Prefix of every path, without a trailing slash. @default '' (same origin) */
  baseUrl?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Epoch ms, for `Retry-After` dates. @default Date.now */
  now?: () => number;
}

/** Typed calls of the REST API; each throws an `ApiError` for a non-2xx answer or no answer. */
export interface SessionsApi {
  /** `GET /api/sessions`. */
  listSessions(): Promise<SessionListResponse>;
  /** `POST /api/sessions`: the new session, `running` or `failed`. */
  createSession(body: CreateSessionRequest): Promise<Session>;
  /** `DELETE /api/sessions/:id` on a live session: the session, now `stopping` (202). */
  terminateSession(id: string): Promise<Session | null>;
  /** `DELETE /api/sessions/:id` on an ended session: the server forgets it (204, null). */
  removeSession(id: string): Promise<Session | null>;
  /**
   * `DELETE /api/sessions/:id?signal=SIGKILL`: kills a `running` or `stopping` session at once,
   * without the grace period; the session as the server answered it (202). Null for a 204
   * (the session had ended already, and the server removed it).
   */
  killSession(id: string): Promise<Session | null>;
  /**
   * `GET /api/sessions/:id/output?after=<offset>`: the output kept after byte `after`
   * (default 0). `from > after` means the bytes in between were dropped. Throws 400 for an
   * `after` that is not a byte offset, 404 `not_found` for an unknown session.
   */
  sessionOutput(id: string, after?: number): Promise<SessionOutputResponse>;
  /** `GET /api/fs/dirs?path=`: subdirectories; `path` defaults to the server's `FS_ROOT`. */
  listDirs(path?: string): Promise<DirListing>;
  /** `GET /api/auth/status`: whether the server wants a token and whether this browser is signed in. */
  authStatus(): Promise<AuthStatusResponse>;
  /**
   * `POST /api/auth/login`: the server sets its HttpOnly sign-in cookie, which the stream and
   * every later call carry. Throws 401 `unauthorized` for a wrong token, 429 past the attempt limit.
   */
  signIn(token: string): Promise<void>;
  /** `POST /api/auth/logout`: the server clears and revokes the cookie (its open streams end). */
  signOut(): Promise<void>;
}

/** Builds the REST helper. Nothing is requested until a method is called. */
export function createSessionsApi(options: SessionsApiOptions = {}): SessionsApi {
  const baseUrl = options.baseUrl ?? '';
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const now = options.now ?? Date.now;

  async function request(method: string, path: string, body?: unknown): Promise<Response> {
    const init: RequestInit = { method, headers: { accept: 'application/json' } };
    if (body !== undefined) {
      init.headers = { accept: 'application/json', 'content-type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await fetchFn(`${baseUrl}${path}`, init);
    } catch (cause) {
      throw networkError(cause);
    }
    if (!response.ok) throw await apiErrorFromResponse(response, now());
    return response;
  }

  async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await request(method, path, body)).json()) as T;
  }

  async function deleteSession(id: string, query = ''): Promise<Session | null> {
    const response = await request('DELETE', `${API_PATHS.sessions}/${encodeURIComponent(id)}${query}`);
    return response.status === 204 ? null : ((await response.json()) as Session);
  }

  return {
    listSessions: () => json('GET', API_PATHS.sessions),
    createSession: (body) => json('POST', API_PATHS.sessions, body),
    terminateSession: (id) => deleteSession(id),
    removeSession: (id) => deleteSession(id),
    killSession: (id) => deleteSession(id, '?signal=SIGKILL'),
    sessionOutput: (id, after = 0) => json('GET', `${sessionOutputPath(id)}?after=${after}`),
    listDirs: (path) =>
      json('GET', path === undefined ? API_PATHS.dirs : `${API_PATHS.dirs}?path=${encodeURIComponent(path)}`),
    authStatus: () => json('GET', API_PATHS.authStatus),
    async signIn(token) {
      const body: LoginRequest = { token };
      await request('POST', API_PATHS.login, body);
    },
    async signOut() {
      await request('POST', API_PATHS.logout);
    },
  };
}
