import { apiErrorFromResponse, networkError } from './ApiError.ts';
import type { ApiError } from './ApiError.ts';
import type { Attempt } from './createAttempt.ts';

/** Dependencies of {@link probeStream}. */
export interface ProbeOptions {
  fetch: typeof fetch;
  /** How long the probe may take before it counts as unanswered. */
  timeoutMs: number;
  /** Epoch ms, for `Retry-After` dates. */
  now: () => number;
}

/**
 * Asks why a stream failed before it opened, which `EventSource` hides: one GET of the
 * same URL. Resolves to the server's refusal as an {@link ApiError} (status 0 when nothing
 * answered within `timeoutMs`), or null when the server answered 2xx, i.e. the failure
 * has passed (that response is aborted at once). Never rejects; ends with `attempt`, after
 * which the caller must ignore the answer.
 */
export async function probeStream(url: string, attempt: Attempt, options: ProbeOptions): Promise<ApiError | null> {
  const controller = attempt.childController();
  const cancelTimeout = attempt.setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    const response = await options.fetch(url, {
      headers: { accept: 'text/event-stream' },
      cache: 'no-store',
      signal: controller.signal,
    });
    if (response.ok) return null;
    return await apiErrorFromResponse(response, options.now());
  } catch (cause) {
    return networkError(cause);
  } finally {
    cancelTimeout();
    controller.abort();
  }
}
