import type { Session } from '@sessionboard/protocol';
import { describe, expect, it } from 'vitest';
import { SessionRegistry } from './SessionRegistry.ts';

function session(id: string, createdAt: string, fields: Partial<Session> = {}): Session {
  return {
    id,
    name: 'sleep',
    command: ['sleep', '9'],
    cwd: '/tmp',
    status: 'running',
    instance: 'a:1',
    pid: 10,
    exitCode: null,
    signal: null,
    error: null,
    createdAt,
    updatedAt: createdAt,
    endedAt: null,
    ...fields,
  };
}

describe('SessionRegistry', () => {
  it('sets sessions on created and updated, and deletes them on removed', () => {
    const registry = new SessionRegistry();
    registry.apply('session_created', session('a', '2026-01-01T00:00:01.000Z'));
    registry.apply('session_updated', session('a', '2026-01-01T00:00:01.000Z', { status: 'exited', exitCode: 0 }));
    expect(registry.get('a')).toMatchObject({ status: 'exited', exitCode: 0 });
    registry.apply('session_removed', session('a', '2026-01-01T00:00:01.000Z', { status: 'exited' }));
    expect(registry.get('a')).toBeUndefined();
    expect(registry.size).toBe(0);
  });

  it('lists by creation time then id, whatever order they came in', () => {
    const registry = new SessionRegistry();
    registry.reset([session('c', '2026-01-01T00:00:02.000Z'), session('b', '2026-01-01T00:00:01.000Z'), session('a', '2026-01-01T00:00:02.000Z')]);
    expect(registry.list().map((s) => s.id)).toEqual(['b', 'a', 'c']);
    registry.apply('session_created', session('0', '2026-01-01T00:00:00.000Z'));
    expect(registry.list().map((s) => s.id)).toEqual(['0', 'b', 'a', 'c']);
  });

  it('forgets everything on reset', () => {
    const registry = new SessionRegistry();
    registry.apply('session_created', session('a', '2026-01-01T00:00:01.000Z'));
    registry.reset([]);
    expect(registry.list()).toEqual([]);
  });
});
