import { API_PATHS } from '@sessionboard/protocol';
import type {
  CreateSessionRequest,
  Session,
  SessionListResponse,
  SessionStatus,
} from '@sessionboard/protocol';
import { waitUntil } from './waitUntil.ts';

/** A raw response: status, headers and the parsed JSON body (or text, or null). */
export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** An API call that got a status other than the one the helper expects. */
export class UnexpectedStatusError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly expected: number,
    readonly response: ApiResponse,
  ) {
    super(
      `${method} ${path}: expected ${expected}, got ${response.status} ${JSON.stringify(response.body)}`,
    );
    this.name = 'UnexpectedStatusError';
  }
}

/**
 * The Sessionboard REST API as the tests drive it, over the test runner's own `fetch`.
 * Typed helpers assert the status PROTOCOL.md promises; `request` gives the raw response.
 */
export class ApiClient {
  constructor(private readonly baseURL: () => string) {}

  /** Sends a request; a JSON body is encoded and typed `application/json`. */
  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json', ...headers };
    }
    const response = await fetch(new URL(path, this.baseURL()), init);
    const text = await response.text();
    let parsed: unknown = null;
    if (text !== '') {
      const isJson = response.headers.get('content-type')?.includes('json') ?? false;
      parsed = isJson ? JSON.parse(text) : text;
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  /** `GET /api/sessions`. */
  async listSessions(): Promise<SessionListResponse> {
    return this.expect<SessionListResponse>('GET', API_PATHS.sessions, 200);
  }

  /** `GET /api/sessions/:id`, or `null` when the server answers 404. */
  async getSession(id: string): Promise<Session | null> {
    const path = `${API_PATHS.sessions}/${encodeURIComponent(id)}`;
    const response = await this.request<Session>('GET', path);
    if (response.status === 404) return null;
    if (response.status !== 200) throw new UnexpectedStatusError('GET', path, 200, response);
    return response.body;
  }

  /**
   * `POST /api/sessions`; resolves once the server has started (or failed to start) it.
   * @default request.command `['sleep', '600']`, a process that lives until terminated
   */
  async createSession(request: Partial<CreateSessionRequest> = {}): Promise<Session> {
    const body: CreateSessionRequest = { command: ['sleep', '600'], ...request };
    return this.expect<Session>('POST', API_PATHS.sessions, 201, body);
  }

  /** `DELETE` on a live session: SIGTERM now, SIGKILL after the grace; answers `stopping`. */
  async terminate(id: string): Promise<Session> {
    return this.expect<Session>('DELETE', `${API_PATHS.sessions}/${encodeURIComponent(id)}`, 202);
  }

  /**
   * Removes a session from the list. A live one is terminated first and removed once it
   * has ended.
   */
  async remove(id: string, options: { timeoutMs?: number } = {}): Promise<void> {
    const path = `${API_PATHS.sessions}/${encodeURIComponent(id)}`;
    const current = await this.getSession(id);
    if (current === null) throw new Error(`remove: no session ${id}`);
    if (current.status === 'running' || current.status === 'stopping') {
      if (current.status === 'running') await this.terminate(id);
      await this.waitForStatus(id, ['exited', 'failed'], options);
    }
    await this.expect('DELETE', path, 204);
  }

  /** Polls `GET /api/sessions/:id` until the session is in one of `statuses`. */
  async waitForStatus(
    id: string,
    statuses: SessionStatus | SessionStatus[],
    options: { timeoutMs?: number } = {},
  ): Promise<Session> {
    const wanted = Array.isArray(statuses) ? statuses : [statuses];
    return waitUntil(
      async () => {
        const session = await this.getSession(id);
        return session !== null && wanted.includes(session.status) ? session : undefined;
      },
      { timeoutMs: options.timeoutMs ?? 10_000, message: `session ${id} to be ${wanted.join(' or ')}` },
    );
  }

  /**
   * The value of one series of `GET /metrics`, named as the text format writes it, e.g.
   * `sse_resumes_total{outcome="replayed"}`.
   * @throws Error when `/metrics` does not answer 200 or has no such series
   */
  async metric(series: string): Promise<number> {
    const text = await this.expect<string>('GET', API_PATHS.metrics, 200);
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
    if (line === undefined) throw new Error(`/metrics has no series ${series}`);
    return Number(line.slice(series.length + 1));
  }

  private async expect<T>(method: string, path: string, status: number, body?: unknown): Promise<T> {
    const response = await this.request<T>(method, path, body);
    if (response.status !== status) {
      throw new UnexpectedStatusError(method, path, status, response);
    }
    return response.body;
  }
}
