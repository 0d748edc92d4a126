import type { OutputItem, OutputTextItem } from './createOutputRenderer.ts';

/** Matches highlighted at most; past it the count reads "2000+". */
export const MAX_OUTPUT_MATCHES = 2000;

/** A match: characters `start` to `end` of the `text` of the item keyed `key`. */
export interface OutputMatch {
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

/** An item's matches: `[start, end]` ranges of its text, and the index of the first among all matches. */
export interface ItemMatches {
  readonly first: number;
  readonly ranges: readonly (readonly [number, number])[];
}

/** What {@link OutputSearch.search} found. */
export interface OutputSearchResult {
  /** In output order; at most {@link MAX_OUTPUT_MATCHES}. */
  readonly matches: readonly OutputMatch[];
  /**
   * Each item's matches as `[start, end]` ranges, with the index of its first match in
   * `matches`; an item whose matches are as they were last search is given the very same
   * object (so its view, keyed by item, is not redrawn as output arrives).
   */
  readonly byKey: ReadonlyMap<string, ItemMatches>;
  /** There were more than {@link MAX_OUTPUT_MATCHES}. */
  readonly capped: boolean;
}

/** Finds text in an output view's items. */
export interface OutputSearch {
  /** Every place `query` occurs, ignoring case, within an item's text; nothing for an empty query. */
  search(items: readonly OutputItem[], query: string): OutputSearchResult;
}

const NOTHING: OutputSearchResult = { matches: [], byKey: new Map(), capped: false };

/**
 * A search over output that grows: an item it has searched for the same query before (an
 * unchanged segment) is not searched again. Matches are looked for within one segment: a
 * segment holds up to 16 KiB of one stream, so text cut by a segment boundary (a switch
 * between stdout and stderr, or 16 KiB of one) is not found as one match.
 */
export function createOutputSearch(): OutputSearch {
  let cache = new WeakMap<OutputTextItem, { query: string; ranges: [number, number][] }>();
  let lastQuery = '';
  let lastByKey: ReadonlyMap<string, ItemMatches> = NOTHING.byKey;

  return {
    search(items, query) {
      if (query === '') return NOTHING;
      if (query !== lastQuery) {
        cache = new WeakMap();
        lastQuery = query;
      }
      const pattern = new RegExp(query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu');
      const matches: OutputMatch[] = [];
      const byKey = new Map<string, ItemMatches>();
      let capped = false;
      for (const item of items) {
        if (item.kind !== 'output') continue;
        let found = cache.get(item);
        if (found === undefined) {
          found = { query, ranges: Array.from(item.text.matchAll(pattern), (match) => [match.index, match.index + match[0].length]) };
          cache.set(item, found);
        }
        if (found.ranges.length === 0) continue;
        const room = MAX_OUTPUT_MATCHES - matches.length;
        const ranges = found.ranges.length > room ? found.ranges.slice(0, room) : found.ranges;
        if (ranges.length < found.ranges.length) capped = true;
        if (ranges.length === 0) break;
        const last = lastByKey.get(item.key);
        byKey.set(item.key, last?.first === matches.length && last.ranges === ranges ? last : { first: matches.length, ranges });
        for (const [start, end] of ranges) matches.push({ key: item.key, start, end });
      }
      lastByKey = byKey;
      return { matches, byKey, capped };
    },
  };
}
