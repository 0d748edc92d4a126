import { vi } from 'vitest';

/** Answers one request; `url` is the requested URL read against `http://sb.test`. */
export type Route = (url: URL, init?: RequestInit) => Response | Promise<Response>;

/**
 * A `fetch` mock that answers each request by its path from `routes` (which the test may
 * change at any time) and throws for a path it has no route for, with what it was asked.
 */
export function routedFetch(routes: Record<string, Route>) {
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://sb.test');
    const route = routes[url.pathname];
    if (route === undefined) throw new Error(`unexpected fetch of ${String(input)}`);
    return route(url, init);
  });
  const callsOf = (path: string) => fetch.mock.calls.filter(([input]) => new URL(String(input), 'http://sb.test').pathname === path);
  return {
    fetch,
    /** The URLs requested with `path`, in order, as requested. */
    requestsOf: (path: string): string[] => callsOf(path).map(([input]) => String(input)),
    /** The signal of the last request to `path`: aborted once the client no longer wants the answer. */
    signalOf: (path: string): AbortSignal | undefined => callsOf(path).at(-1)?.[1]?.signal ?? undefined,
  };
}
