import type { Session } from '@sessionboard/protocol';
import { describe, expect, it } from 'vitest';
import { OutputMirror, type OutputCopyReader } from './OutputMirror.ts';
import { decodeOutputEntry, encodeRuns, type OutputEntry } from './outputEntry.ts';

/** A copy in memory, written by the test as the owner's carrier would. */
class FakeCopies implements OutputCopyReader {
  readonly entries_: OutputEntry[] = [];
  readonly listeners = new Map<string, () => void>();
  reads = 0;

  piece(start: number, text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    const bytes = Buffer.from(text);
    const end = start + bytes.length;
    this.entries_.push({ type: 'piece', id: `${end}-0`, end, start, runs: [{ stream, length: bytes.length }], bytes });
    this.listeners.get('s1')?.();
  }

  mark(end: number): void {
    this.entries_.push({ type: 'end', id: `${end}-1`, end });
    this.listeners.get('s1')?.();
  }

  async entries(_id: string, afterId: string | undefined, count: number): Promise<OutputEntry[]> {
    this.reads += 1;
    const index = afterId === undefined ? 0 : this.entries_.findIndex((entry) => entry.id === afterId) + 1;
    return this.entries_.slice(index, index + count);
  }

  async subscribe(id: string, listener: () => void): Promise<void> {
    this.listeners.set(id, listener);
  }

  unsubscribe(id: string): void {
    this.listeners.delete(id);
  }
}

const NOW = Date.parse('2030-01-01T00:00:00Z');

function sessionAs(status: Session['status'], endedAgoMs?: number): Session {
  return {
    id: 's1',
    name: 'x',
    command: ['x'],
    cwd: '/',
    status,
    instance: 'a:1',
    pid: 1,
    exitCode: null,
    signal: null,
    error: null,
    createdAt: new Date(NOW - 60_000).toISOString(),
    updatedAt: new Date(NOW).toISOString(),
    endedAt: endedAgoMs === undefined ? null : new Date(NOW - endedAgoMs).toISOString(),
  };
}

function mirrorOf(copies: FakeCopies, state: { session: Session | undefined; dead?: boolean }) {
  return new OutputMirror({
    id: 's1',
    capacity: 1024,
    copies,
    session: () => state.session,
    isDead: () => state.dead ?? false,
    now: () => NOW,
  });
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('OutputMirror', () => {
  it('reads the copy at its first read, then follows each write and tells its readers', async () => {
    const copies = new FakeCopies();
    copies.piece(0, 'one\n');
    const mirror = mirrorOf(copies, { session: sessionAs('running') });

    const first = await mirror.read(0, 1024);
    let told = 0;
    mirror.onChange(() => (told += 1));
    copies.piece(4, 'two\n', 'stderr');
    await settle();
    const second = await mirror.read(first.offset, 1024);

    expect(first).toEqual({ from: 0, chunks: [{ stream: 'stdout', text: 'one\n', offset: 4 }], offset: 4, end: 4, ended: false, removed: false });
    expect(told).toBe(1);
    expect(second.chunks).toEqual([{ stream: 'stderr', text: 'two\n', offset: 8 }]);
    expect(mirror.awake).toBe(true);
  });

  it('is complete at the end mark', async () => {
    const copies = new FakeCopies();
    copies.piece(0, 'all\n');
    copies.mark(4);

    const read = await mirrorOf(copies, { session: sessionAs('exited', 0) }).read(0, 1024);

    expect(read).toMatchObject({ end: 4, ended: true, offset: 4 });
  });

  it('is complete without an end mark when the session is lost, its instance is dead, or the mark is overdue', async () => {
    const read = async (state: { session: Session | undefined; dead?: boolean }) => {
      const copies = new FakeCopies();
      copies.piece(0, 'some\n');
      return (await mirrorOf(copies, state).read(0, 1024)).ended;
    };

    expect(await read({ session: sessionAs('running') })).toBe(false);
    expect(await read({ session: sessionAs('exited', 500) })).toBe(false);
    expect(await read({ session: sessionAs('lost', 0) })).toBe(true);
    expect(await read({ session: sessionAs('exited', 500), dead: true })).toBe(true);
    expect(await read({ session: sessionAs('exited', 11_000) })).toBe(true);
  });

  it('goes on from the oldest byte of a piece after a gap, as truncated output', async () => {
    const copies = new FakeCopies();
    copies.piece(0, 'old\n');
    copies.piece(100, 'new\n');

    const read = await mirrorOf(copies, { session: sessionAs('running') }).read(0, 1024);

    expect(read).toMatchObject({ from: 100, end: 104, chunks: [{ stream: 'stdout', text: 'new\n', offset: 104 }] });
  });

  it('tells its readers when the session is removed, and then reads as removed', async () => {
    const copies = new FakeCopies();
    copies.piece(0, 'bye\n');
    const mirror = mirrorOf(copies, { session: sessionAs('exited', 0) });
    await mirror.read(0, 1024);
    let told = false;
    mirror.onChange(() => (told = true));

    mirror.remove();

    expect(told).toBe(true);
    expect(await mirror.read(0, 1024)).toEqual({ from: 4, chunks: [], offset: 0, end: 4, ended: true, removed: true });
    expect(copies.listeners.size).toBe(0);
  });

  it('drops its copy when put to sleep and reads it again at the next read', async () => {
    const copies = new FakeCopies();
    copies.piece(0, 'kept\n');
    const mirror = mirrorOf(copies, { session: sessionAs('running') });
    await mirror.read(0, 1024);

    mirror.sleep();
    const asleep = { awake: mirror.awake, bytes: mirror.byteLength, subscribed: copies.listeners.size };
    const again = await mirror.read(0, 1024);

    expect(asleep).toEqual({ awake: false, bytes: 0, subscribed: 0 });
    expect(again.chunks).toEqual([{ stream: 'stdout', text: 'kept\n', offset: 5 }]);
  });
});

describe('decodeOutputEntry', () => {
  it('reads a piece and an end mark as the carrier writes them', () => {
    const bytes = Buffer.from('ab\ncd\n');
    const runs = encodeRuns([
      { stream: 'stdout', length: 3 },
      { stream: 'stderr', length: 3 },
    ]);

    expect(runs).toBe('o3,e3');
    expect(decodeOutputEntry(Buffer.from('16-0'), [Buffer.from('f'), Buffer.from('10'), Buffer.from('r'), Buffer.from(runs), Buffer.from('b'), bytes])).toEqual({
      type: 'piece',
      id: '16-0',
      end: 16,
      start: 10,
      runs: [
        { stream: 'stdout', length: 3 },
        { stream: 'stderr', length: 3 },
      ],
      bytes,
    });
    expect(decodeOutputEntry('16-1', ['x', '1'])).toEqual({ type: 'end', id: '16-1', end: 16 });
  });

  it('refuses an entry whose runs or offsets do not add up, or whose id is not an offset', () => {
    const fields = (start: string, runs: string, text: string) => ['f', start, 'r', runs, 'b', text].map((field) => Buffer.from(field));

    expect(decodeOutputEntry('16-0', fields('10', 'o3,e2', 'ab\ncd\n'))).toBeUndefined();
    expect(decodeOutputEntry('16-0', fields('9', 'o6', 'ab\ncd\n'))).toBeUndefined();
    expect(decodeOutputEntry('16-0', fields('10', 'x6', 'ab\ncd\n'))).toBeUndefined();
    expect(decodeOutputEntry('16-2', fields('10', 'o6', 'ab\ncd\n'))).toBeUndefined();
    expect(decodeOutputEntry('16-0', ['f', '10'])).toBeUndefined();
  });
});
