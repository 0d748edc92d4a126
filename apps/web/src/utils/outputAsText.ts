import type { OutputItem } from './createOutputRenderer.ts';

/**
 * The output as a plain text file: the text as shown (colours and other escape sequences
 * gone), stdout and stderr in the order they arrived, and a line in brackets where output
 * was dropped.
 */
export function outputAsText(items: readonly OutputItem[]): string {
  let text = '';
  for (const item of items) {
    if (item.kind === 'output') {
      text += item.text;
      continue;
    }
    if (text !== '' && !text.endsWith('\n')) text += '\n';
    text += item.leading ? `[older output dropped; what follows starts at byte ${item.from}]\n` : `[output dropped here; what follows starts at byte ${item.from}]\n`;
  }
  return text;
}

/** A file name for the output of session `name` (`id` tells apart sessions of the same name): `build-0b3c41d2.txt`. */
export function outputFileName(name: string, id: string): string {
  const base = name.normalize('NFKD').replace(/[^\w.-]+/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, 60) || 'session';
  const suffix = id.replace(/[^\w-]+/g, '').slice(0, 8);
  return suffix === '' ? `${base}.txt` : `${base}-${suffix}.txt`;
}
