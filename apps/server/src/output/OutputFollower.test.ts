import type { OutputChunk, Session } from '@sessionboard/protocol';
import type { SseConnection } from '@sessionboard/sse-broker';
import { createParser } from 'eventsource-parser';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutputBuffer } from './OutputBuffer.ts';
import { OutputFollower, type OutputFollowerOptions } from './OutputFollower.ts';
import type { OutputRead, OutputSource } from './OutputSource.ts';
import type { ReadMemo } from './readWindow.ts';
import { RecentReads } from './RecentReads.ts';
import type { OutputStreamName } from './SegmentIndex.ts';

/** A connection that records what is written; `bufferedBytes` is set by the test. */
class FakeConnection implements SseConnection {
  text = '';
  bufferedBytes = 0;
  closed = false;
  readonly #listeners: (() => void)[] = [];

  write(chunk: Buffer | string): boolean {
    this.text += chunk.toString();
    return this.bufferedBytes === 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.#listeners.splice(0)) listener();
  }

  onClose(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** Every frame written, as `event id data` lines for reading in tests. */
  frames(): { event?: string; id?: string; data?: unknown; retry?: number }[] {
    return this.text
      .split('\n\n')
      .filter(Boolean)
      .map((raw) => {
        const fields: Record<string, string> = {};
        for (const line of raw.split('\n')) {
          const colon = line.indexOf(':');
          fields[line.slice(0, colon)] = line.slice(colon + 2);
        }
        return {
          ...(fields.event === undefined ? {} : { event: fields.event }),
          ...(fields.id === undefined ? {} : { id: fields.id }),
          ...(fields.data === undefined ? {} : { data: JSON.parse(fields.data) as unknown }),
          ...(fields.retry === undefined ? {} : { retry: Number(fields.retry) }),
        };
      });
  }
}

/** An output source over a plain buffer, appended to by the test. */
class TestSource implements OutputSource {
  readonly buffer: OutputBuffer;
  ended = false;
  removed = false;
  reads = 0;
  readonly #listeners = new Set<() => void>();

  constructor(capacity = 1024) {
    this.buffer = new OutputBuffer({ capacity });
  }

  append(stream: OutputStreamName, text: string): void {
    this.buffer.append(stream, Buffer.from(text));
    this.#notify();
  }

  end(): void {
    this.ended = true;
    this.#notify();
  }

  remove(): void {
    this.removed = true;
    this.#notify();
  }

  read(after: number, maxBytes: number, memo?: ReadMemo): OutputRead {
    this.reads += 1;
    const read = this.buffer.read(after, maxBytes, memo);
    return { ...read, end: this.buffer.end, ended: this.ended, removed: this.removed };
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const listener of listeners) listener();
  }
}

const SESSION = { id: 's1', status: 'exited', exitCode: 0 } as Session;

function follow(source: TestSource, options: Partial<OutputFollowerOptions> = {}) {
  const connection = new FakeConnection();
  let closed = 0;
  const follower = new OutputFollower({
    connection,
    source,
    after: undefined,
    session: () => SESSION,
    retryMs: 2000,
    stallMs: 10_000,
    timers: {
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    },
    onClose: () => (closed += 1),
    ...options,
  });
  follower.start();
  return { connection, follower, closed: () => closed };
}

/** Lets the follower's reads (awaited) and due timers run. */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('starting', () => {
  it('sends retry, then all that is kept as output events with offsets as ids', async () => {
    const source = new TestSource();
    source.append('stdout', 'hello\n');
    source.append('stderr', 'oops\n');

    const { connection } = follow(source);
    await advance(0);

    expect(connection.frames()).toEqual([
      { retry: 2000 },
      { event: 'output', id: '6', data: { stream: 'stdout', text: 'hello\n', offset: 6 } },
      { event: 'output', id: '11', data: { stream: 'stderr', text: 'oops\n', offset: 11 } },
    ]);
  });

  it('resumes with exactly the output after the given offset', async () => {
    const source = new TestSource();
    source.append('stdout', 'hello\n');
    source.append('stderr', 'oops\n');

    const { connection } = follow(source, { after: 6 });
    await advance(0);

    expect(connection.frames().slice(1)).toEqual([{ event: 'output', id: '11', data: { stream: 'stderr', text: 'oops\n', offset: 11 } }]);
  });

  it('sends truncated first when output before the kept window was dropped', async () => {
    const source = new TestSource(16);
    source.append('stdout', '0123456789abcdefXYZ');

    const fresh = follow(source);
    const resumed = follow(source, { after: 2 });
    await advance(0);

    for (const { connection } of [fresh, resumed]) {
      expect(connection.frames().slice(1)).toEqual([
        { event: 'truncated', data: { type: 'truncated', from: 3 } },
        { event: 'output', id: '19', data: { stream: 'stdout', text: '3456789abcdefXYZ', offset: 19 } },
      ]);
    }
  });
});

describe('following', () => {
  it('sends new output at the next flush slot, a multiple of 50 ms on the clock', async () => {
    const source = new TestSource();
    const { connection } = follow(source);
    await advance(1010);

    source.append('stdout', 'live\n');
    await advance(39);
    const before = connection.frames().length;
    await advance(1);

    expect(before).toBe(1);
    expect(connection.frames().slice(1)).toEqual([{ event: 'output', id: '5', data: { stream: 'stdout', text: 'live\n', offset: 5 } }]);
  });

  it('lets the followers of one source flush in the same slot and write the very same bytes', async () => {
    const source = new TestSource(1 << 20);
    const memo = new RecentReads();
    const written: Buffer[][] = [[], []];
    const connections = [new FakeConnection(), new FakeConnection()];
    connections.forEach((connection, index) => {
      const write = connection.write.bind(connection);
      connection.write = (chunk) => {
        written[index]?.push(chunk as Buffer);
        return write(chunk);
      };
      follow(source, { connection, memo });
    });
    await advance(0);

    source.append('stdout', 'shared line\n'.repeat(100));
    await advance(50);

    const [first, second] = written.map((writes) => writes.at(-1));
    expect(first?.toString()).toMatch(/^id: 1200\nevent: output\n/);
    expect(second).toBe(first);
  });

  it('coalesces output that comes within 50 ms of a flush into the next one, sent 50 ms after the last', async () => {
    const source = new TestSource();
    const { connection } = follow(source);
    await advance(1000);
    source.append('stdout', 'a');
    await advance(0);

    for (const text of ['b', 'c', 'd']) {
      await advance(10);
      source.append('stdout', text);
    }
    await advance(19);
    const before = connection.frames().length;
    await advance(1);

    expect(before).toBe(2);
    expect(connection.frames().slice(2)).toEqual([{ event: 'output', id: '4', data: { stream: 'stdout', text: 'bcd', offset: 4 } }]);
  });

  it('writes at most 20 flushes a second, each at most maxChunkBytes, while output keeps coming', async () => {
    const source = new TestSource(1 << 20);
    const { connection } = follow(source, { maxChunkBytes: 4096 });
    await advance(3);
    await advance(0);

    for (let ms = 0; ms < 1000; ms += 5) {
      source.append('stdout', 'y\n'.repeat(500));
      await advance(5);
    }

    const outputs = connection.frames().filter((frame) => frame.event === 'output');
    expect(outputs.length).toBeGreaterThanOrEqual(19);
    expect(outputs.length).toBeLessThanOrEqual(20);
    for (const output of outputs) expect(Buffer.byteLength((output.data as { text: string }).text)).toBeLessThanOrEqual(4096);
  });

  it('flushes every 250 ms while it falls behind the window, and every 50 ms again once caught up', async () => {
    const source = new TestSource(64);
    const { connection } = follow(source);
    await advance(0);
    const flushTimes: number[] = [];
    let seen = 1;
    const record = () => {
      const frames = connection.frames();
      if (frames.length > seen) flushTimes.push(Date.now() - 1_000_000);
      seen = frames.length;
    };

    // 100 bytes every 10 ms into a window of 64: every read is truncated.
    for (let ms = 0; ms < 1000; ms += 10) {
      source.append('stdout', 'x'.repeat(100));
      await advance(10);
      record();
    }
    const flood = [...flushTimes];
    flushTimes.length = 0;
    for (let ms = 0; ms < 500; ms += 10) {
      if (ms % 50 === 0) source.append('stdout', 'y');
      await advance(10);
      record();
    }

    const gaps = flood.slice(1).map((at, index) => at - (flood[index] as number));
    expect(gaps.slice(2).every((gap) => gap === 250)).toBe(true);
    expect(flood.length).toBeLessThanOrEqual(6);
    const after = flushTimes.slice(1).map((at, index) => at - (flushTimes[index] as number));
    expect(after.slice(-4)).toEqual([50, 50, 50, 50]);
  });

  it('sends a stream that keeps falling behind samples of at most behindChunkBytes', async () => {
    const source = new TestSource(1 << 20);
    const { connection } = follow(source, { behindChunkBytes: 1024 });

    for (let ms = 0; ms < 1000; ms += 10) {
      source.append('stdout', 'x'.repeat(300 * 1024));
      await advance(10);
    }

    const sizes = connection
      .frames()
      .filter((frame) => frame.event === 'output')
      .map((frame) => (frame.data as OutputChunk).text.length);
    expect(sizes.slice(0, 2).every((size) => size > 1024)).toBe(true);
    expect(sizes.slice(2).every((size) => size <= 1024)).toBe(true);
    expect(sizes.length).toBeGreaterThan(3);
  });

  it('catches up at the normal pace when it starts behind the window', async () => {
    const source = new TestSource(1 << 20);
    source.append('stdout', 'x'.repeat(1 << 20));
    source.append('stdout', 'y'.repeat(4096));

    const { connection } = follow(source, { maxChunkBytes: 256 * 1024 });
    await advance(210);

    // The first read is cut at 256 KiB on the grid; then 3 more, and the last 4 KiB: 50 ms apart.
    expect(connection.frames().filter((frame) => frame.event === 'output')).toHaveLength(5);
  });

  it('does not read while the socket holds unsent bytes, then goes on from the oldest byte kept with truncated', async () => {
    const source = new TestSource(16);
    const { connection } = follow(source);
    source.append('stdout', 'first\n');
    await advance(100);
    connection.bufferedBytes = 1000;
    const readsBefore = source.reads;

    source.append('stdout', 'x'.repeat(40));
    await advance(500);
    const readsWhileBusy = source.reads - readsBefore;
    connection.bufferedBytes = 0;
    await advance(50);

    expect(readsWhileBusy).toBe(0);
    expect(connection.frames().slice(2)).toEqual([
      { event: 'truncated', data: { type: 'truncated', from: 30 } },
      { event: 'output', id: '46', data: { stream: 'stdout', text: 'x'.repeat(16), offset: 46 } },
    ]);
  });

  it('cuts off a client whose socket has not drained for stallMs', async () => {
    const source = new TestSource();
    source.append('stdout', 'data');
    const { connection, closed } = follow(source, { stallMs: 1000 });
    await advance(0);
    connection.bufferedBytes = 100;
    source.append('stdout', 'more');

    await advance(900);
    const openAt900 = connection.closed;
    await advance(200);

    expect(openAt900).toBe(false);
    expect(connection.closed).toBe(true);
    expect(closed()).toBe(1);
  });
});

describe('the end', () => {
  it('sends end with the session and the final offset after the last output, then closes', async () => {
    const source = new TestSource();
    const { connection, closed } = follow(source);
    source.append('stdout', 'bye\n');

    source.end();
    await advance(100);

    expect(connection.frames().slice(1)).toEqual([
      { event: 'output', id: '4', data: { stream: 'stdout', text: 'bye\n', offset: 4 } },
      { event: 'end', data: { type: 'end', session: SESSION, offset: 4 } },
    ]);
    expect(connection.closed).toBe(true);
    expect(closed()).toBe(1);
  });

  it('ends at once a stream that resumes at the final offset', async () => {
    const source = new TestSource();
    source.append('stdout', 'bye\n');
    source.end();

    const { connection } = follow(source, { after: 4 });
    await advance(0);

    expect(connection.frames().slice(1)).toEqual([{ event: 'end', data: { type: 'end', session: SESSION, offset: 4 } }]);
    expect(connection.closed).toBe(true);
  });

  it('closes only once the socket has taken the end', async () => {
    const source = new TestSource();
    source.end();
    const { connection } = follow(source);
    connection.bufferedBytes = 10;
    await advance(0);
    connection.bufferedBytes = 0;
    await advance(0);
    const afterDrainTick = connection.closed;

    await advance(100);

    expect(afterDrainTick).toBe(false);
    expect(connection.frames().at(-1)?.event).toBe('end');
    expect(connection.closed).toBe(true);
  });

  it('closes without end when the output is removed', async () => {
    const source = new TestSource();
    const { connection } = follow(source);
    await advance(0);

    source.remove();
    await advance(0);

    expect(connection.frames().map((frame) => frame.event ?? 'retry')).toEqual(['retry']);
    expect(connection.closed).toBe(true);
  });

  it('closes without end when the session is gone by the end', async () => {
    const source = new TestSource();
    source.end();

    const { connection } = follow(source, { session: () => undefined });
    await advance(0);

    expect(connection.frames().map((frame) => frame.event ?? 'retry')).toEqual(['retry']);
    expect(connection.closed).toBe(true);
  });
});

describe('heartbeat', () => {
  it('pings an idle stream without an id, and not one written to lately', async () => {
    const source = new TestSource();
    const { connection, follower } = follow(source);
    await advance(0);

    follower.pingIfIdle(1000);
    await advance(1000);
    follower.pingIfIdle(1000);

    expect(connection.frames().slice(1)).toEqual([{ event: 'ping', data: { type: 'ping', at: 1_001_000 } }]);
  });
});

describe('frames', () => {
  it('carry any text, line breaks and all, so that an EventSource parser reads back the same chunks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 5 }), async (texts) => {
        const source = new TestSource(1 << 16);
        for (const [index, text] of texts.entries()) source.append(index % 2 === 0 ? 'stdout' : 'stderr', text);
        const { connection } = follow(source);
        await advance(0);

        const parsed: OutputChunk[] = [];
        const parser = createParser({ onEvent: (message) => message.event === 'output' && parsed.push(JSON.parse(message.data) as OutputChunk) });
        parser.feed(connection.text);

        expect(parsed).toEqual(source.buffer.read(0, 1 << 16).chunks);
        expect(parsed.map((chunk) => chunk.text).join('')).toBe(texts.join(''));
      }),
      { numRuns: 300 },
    );
  });
});
