import type { OutputItem } from './createOutputRenderer.ts';

/** Items drawn in one block element: they start at a line's start, and each after the first continues its predecessor's last line. */
export interface OutputBlock {
  /** The first item's key: stable while that item lives. */
  readonly key: string;
  readonly items: readonly OutputItem[];
}

/** Groups items into blocks, reusing what it made before. */
export interface OutputBlocks {
  /** The blocks of `items`; an unchanged block is the very object it was last time. */
  group(items: readonly OutputItem[]): OutputBlock[];
}

/**
 * Groups output items into blocks that each start on a new line: a new block starts after
 * an item whose text ends with a newline, and at each truncation mark. Drawn as block
 * elements, they let a browser lay out only the block that changed as output arrives, not
 * one paragraph of all the output (for a megabyte of coloured output, the difference between
 * a fraction of a second and seconds); a line split between two segments stays one line.
 */
export function createOutputBlocks(): OutputBlocks {
  let previous = new Map<string, OutputBlock>();

  return {
    group(items) {
      const blocks: OutputBlock[] = [];
      const next = new Map<string, OutputBlock>();
      let current: OutputItem[] = [];
      const close = () => {
        if (current.length === 0) return;
        const key = current[0]!.key;
        const old = previous.get(key);
        const block = old !== undefined && old.items.length === current.length && old.items.every((item, index) => item === current[index]) ? old : { key, items: current };
        next.set(key, block);
        blocks.push(block);
        current = [];
      };
      for (const item of items) {
        if (item.kind === 'truncated') {
          close();
          current.push(item);
          close();
          continue;
        }
        current.push(item);
        if (item.text.endsWith('\n')) close();
      }
      close();
      previous = next;
      return blocks;
    },
  };
}
