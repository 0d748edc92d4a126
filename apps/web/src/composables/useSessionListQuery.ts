import { computed } from 'vue';
import type { ComputedRef } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { formatListQuery, parseListQuery } from '../utils/sessionListQuery.ts';
import type { SessionListQuery } from '../utils/sessionListQuery.ts';

/** {@link useSessionListQuery}'s result. */
export interface UseSessionListQueryReturn {
  /** The list's filter, search and order, read from the address. */
  query: ComputedRef<SessionListQuery>;
  /** Changes part of the query; the address is replaced (no history entry per keystroke). */
  update(patch: Partial<SessionListQuery>): Promise<void>;
}

/** The list's filters, kept in the route's query (`#/?status=running&q=foo&sort=name`). */
export function useSessionListQuery(): UseSessionListQueryReturn {
  const route = useRoute();
  const router = useRouter();
  const query = computed(() => parseListQuery(route.query));
  async function update(patch: Partial<SessionListQuery>): Promise<void> {
    await router.replace({ query: formatListQuery({ ...query.value, ...patch }) });
  }
  return { query, update };
}
