import { API_PATHS } from '@sessionboard/protocol';
import type { Session } from '@sessionboard/protocol';
import { apiErrorFromResponse, networkError } from '@sessionboard/client';

/**
 * `DELETE /api/sessions/:id?signal=SIGKILL`: kills a `running` or `stopping` session at
 * once; the session (202), or null when the server answered 204. Throws an `ApiError` as
 * `createSessionsApi`'s calls do. It stands in for the client package's
 * `createSessionsApi().killSession(id)` (issue 13), which replaces it once merged.
 *
 * @param fetchFn @default globalThis.fetch
 */
export async function requestKill(id: string, fetchFn: typeof fetch = (input, init) => globalThis.fetch(input, init)): Promise<Session | null> {
  let response: Response;
  try {
    response = await fetchFn(`${API_PATHS.sessions}/${encodeURIComponent(id)}?signal=SIGKILL`, {
      method: 'DELETE',
      headers: { accept: 'application/json' },
    });
  } catch (cause) {
    throw networkError(cause);
  }
  if (!response.ok) throw await apiErrorFromResponse(response, Date.now());
  return response.status === 204 ? null : ((await response.json()) as Session);
}
