import { describe, expect, it } from 'vitest';
import { session } from '../testing/fakeBackend.ts';
import { formatDocumentTitle } from './formatDocumentTitle.ts';

describe('formatDocumentTitle', () => {
  it('counts running (with stopping) and failed sessions', () => {
    const sessions = [
      session({ id: 'a' }),
      session({ id: 'b', status: 'stopping' }),
      session({ id: 'c', status: 'failed', pid: null }),
      session({ id: 'd', status: 'exited', exitCode: 0, pid: null }),
    ];
    expect(formatDocumentTitle(sessions)).toBe('(2 running, 1 failed) Sessionboard');
  });

  it('adds lost sessions and leaves out what is zero', () => {
    expect(formatDocumentTitle([session({ status: 'lost', pid: null })])).toBe('(1 lost) Sessionboard');
  });

  it('is the plain name when nothing needs attention', () => {
    expect(formatDocumentTitle([])).toBe('Sessionboard');
    expect(formatDocumentTitle([session({ status: 'exited', exitCode: 3, pid: null })])).toBe('Sessionboard');
  });

  it('names the session whose page is open', () => {
    expect(formatDocumentTitle([session({ name: 'build' })], 'build')).toBe('(1 running) build · Sessionboard');
    expect(formatDocumentTitle([], 'build')).toBe('build · Sessionboard');
  });
});
