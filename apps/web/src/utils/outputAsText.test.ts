import { describe, expect, it } from 'vitest';
import type { OutputItem } from './createOutputRenderer.ts';
import { outputAsText, outputFileName } from './outputAsText.ts';

describe('outputAsText', () => {
  it('joins the shown text of both streams in order, with a line where output was dropped', () => {
    const items: OutputItem[] = [
      { kind: 'truncated', key: 't1', from: 1024, by: 'server', leading: true },
      { kind: 'output', key: 'o1', stream: 'stdout', start: 1024, end: 1030, parts: [], text: 'out\npartial' },
      { kind: 'truncated', key: 't2', from: 4096, by: 'server', leading: false },
      { kind: 'output', key: 'o2', stream: 'stderr', start: 4096, end: 4100, parts: [], text: 'err\n' },
    ];
    expect(outputAsText(items)).toBe(
      '[older output dropped; what follows starts at byte 1024]\nout\npartial\n[output dropped here; what follows starts at byte 4096]\nerr\n',
    );
  });
});

describe('outputFileName', () => {
  it('names the file after the session, safe for any file system', () => {
    expect(outputFileName('build', '0b3c41d2-aaaa-bbbb')).toBe('build-0b3c41d2.txt');
    expect(outputFileName('my app / "prod" ✓', 'x1')).toBe('my-app-prod-x1.txt');
    expect(outputFileName('../..', 'abc')).toBe('session-abc.txt');
    expect(outputFileName('Café', 'id')).toBe('Cafe-id.txt');
  });
});
