import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SseBroker } from './SseBroker.ts';
import type { SseBrokerOptions } from './SseBroker.ts';
import { MemoryEventLog } from './MemoryEventLog.ts';
import type { FrameFraming, SseConnection } from './SseConnection.ts';
import type { EventLog, EventLogListener, LoggedEvent } from './EventLog.ts';
import { encodeFrame } from './encodeFrame.ts';

/** A connection that records what it is sent and can pretend its socket stopped draining. */
class FakeConnection implements SseConnection {
  readonly chunks: string[] = [];
  bufferedBytes = 0;
  draining = true;
  closed = false;
  #listeners: (() => void)[] = [];
  #drainListeners: (() => void)[] = [];

  write(chunk: Buffer | string): boolean {
    this.chunks.push(chunk.toString());
    if (!this.draining) this.bufferedBytes += chunk.length;
    return this.draining;
  }

  onDrain(listener: () => void): void {
    this.#drainListeners.push(listener);
  }

  /** The client read everything buffered: the socket drains. */
  flush(): void {
    this.bufferedBytes = 0;
    for (const listener of this.#drainListeners.splice(0)) listener();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.#listeners.splice(0)) listener();
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.#listeners.push(listener);
  }

  get text(): string {
    return this.chunks.join('');
  }
}

/** A connection whose transport wraps frames, as HTTP/1.1 chunks are. */
class FramedConnection extends FakeConnection {
  readonly framed: Buffer[] = [];

  constructor(readonly framing: FrameFraming) {
    super();
  }

  writeFramed(bytes: Buffer): boolean {
    this.framed.push(bytes);
    return this.write(bytes);
  }
}

const snapshot = () => ({ event: 'snapshot', data: '{"type":"snapshot"}' });

function broker(options: SseBrokerOptions = {}): SseBroker {
  return new SseBroker({ log: new MemoryEventLog({ epoch: 'e', capacity: 3 }), ...options });
}

describe('SseBroker opening a stream', () => {
  it('sends retry and a snapshot with the last id to a fresh stream', () => {
    const b = broker({ retryMs: 1500 });
    b.publish('x', '1');
    const c = new FakeConnection();
    expect(b.connect(c, { snapshot })).toBe('snapshot');
    expect(c.text).toBe('retry: 1500\n\nid: e-1\nevent: snapshot\ndata: {"type":"snapshot"}\n\n');
  });

  it('replays the missed events with their ids and no snapshot when resuming', () => {
    const b = broker();
    b.publish('x', '1');
    b.publish('x', '2');
    b.publish('x', '3');
    const c = new FakeConnection();
    const build = vi.fn(snapshot);
    expect(b.connect(c, { lastEventId: 'e-1', snapshot: build })).toBe('replayed');
    expect(build).not.toHaveBeenCalled();
    expect(c.text).toBe('retry: 2000\n\nid: e-2\nevent: x\ndata: 2\n\nid: e-3\nevent: x\ndata: 3\n\n');
    expect(b.stats().resumesReplayed).toBe(1);
  });

  it('sends a snapshot for an id that has fallen out of the window', () => {
    const b = broker();
    for (let i = 1; i <= 5; i++) b.publish('x', String(i));
    const c = new FakeConnection();
    expect(b.connect(c, { lastEventId: 'e-1', snapshot })).toBe('unknown_id');
    expect(c.text).toContain('id: e-5\nevent: snapshot\n');
    expect(b.stats().resumesUnknownId).toBe(1);
  });

  it('refuses new streams at the cap and while draining', () => {
    const b = broker({ maxConnections: 1 });
    expect(b.isFull()).toBe(false);
    b.connect(new FakeConnection(), { snapshot });
    expect(b.isFull()).toBe(true);
    const other = broker();
    other.drain();
    expect(other.isFull()).toBe(true);
  });

  it('refuses by itself a stream over maxConnections or while draining: closed, unwritten, not counted', () => {
    const b = broker({ maxConnections: 1 });
    b.connect(new FakeConnection(), { snapshot });
    const over = new FakeConnection();
    const outcome = b.connect(over, { snapshot });
    const drained = broker();
    drained.drain();
    const late = new FakeConnection();
    const lateOutcome = drained.connect(late, { snapshot });
    expect([outcome, lateOutcome]).toEqual(['refused', 'refused']);
    expect([over.closed, late.closed]).toEqual([true, true]);
    expect([over.chunks, late.chunks]).toEqual([[], []]);
    expect([b.connectionCount, drained.connectionCount]).toEqual([1, 0]);
    expect(b.stats().refused).toBe(1);
  });

  it('builds the snapshot once per state and sends the same bytes to every stream', () => {
    const b = broker();
    const build = vi.fn(snapshot);
    const streams = [new FakeConnection(), new FakeConnection(), new FakeConnection()];
    for (const c of streams.slice(0, 2)) b.connect(c, { snapshot: build });
    b.publish('x', '1');
    b.connect(streams[2] as FakeConnection, { snapshot: build });
    expect(build).toHaveBeenCalledTimes(2);
    expect(streams.map((c) => c.text.split('\n\n')[1])).toEqual(['id: e-0\nevent: snapshot\ndata: {"type":"snapshot"}', 'id: e-0\nevent: snapshot\ndata: {"type":"snapshot"}', 'id: e-1\nevent: snapshot\ndata: {"type":"snapshot"}']);
  });
});

describe('SseBroker opening a stream with backpressure', () => {
  const big = (bytes: number) => () => ({ event: 'snapshot', data: 'x'.repeat(bytes) });

  it('writes a large snapshot in pieces, each after the stream drained the one before', () => {
    const b = broker({ maxBufferedBytes: 100_000 });
    const c = new FakeConnection();
    c.draining = false;
    b.connect(c, { snapshot: big(1_000_000) });
    const firstWrite = c.text.length;
    let flushes = 0;
    while (!c.text.endsWith('\n\n') || c.text.length < 1_000_000) {
      c.flush();
      flushes += 1;
    }
    expect(firstWrite).toBeLessThanOrEqual(64 * 1024);
    expect(flushes).toBeGreaterThanOrEqual(15);
    expect(c.closed).toBe(false);
    expect(c.text).toBe(`retry: 2000\n\nid: e-0\nevent: snapshot\ndata: ${'x'.repeat(1_000_000)}\n\n`);
  });

  it('replays a long backlog in pieces too', () => {
    const b = new SseBroker({ log: new MemoryEventLog({ epoch: 'e', capacity: 1000 }), maxBufferedBytes: 100_000 });
    const data = 'y'.repeat(1000);
    for (let i = 0; i < 1000; i++) b.publish('x', data);
    const c = new FakeConnection();
    c.draining = false;
    expect(b.connect(c, { lastEventId: 'e-0', snapshot })).toBe('replayed');
    const firstWrite = c.text.length;
    for (let i = 0; i < 100 && !c.text.includes('id: e-1000\n'); i++) c.flush();
    expect(firstWrite).toBeLessThanOrEqual(64 * 1024 + 1024);
    expect(c.text.match(/^id: /gm)).toHaveLength(1000);
    expect(c.closed).toBe(false);
  });

  it('queues live events behind an unfinished opening and sends them after it, in order', () => {
    const b = broker();
    const c = new FakeConnection();
    c.draining = false;
    b.connect(c, { snapshot: big(200_000) });
    b.publish('x', 'live-1');
    b.publish('x', 'live-2');
    const beforeDrain = c.text;
    c.draining = true;
    c.flush();
    expect(beforeDrain).not.toContain('live-1');
    expect(c.text.endsWith('\n\nid: e-1\nevent: x\ndata: live-1\n\nid: e-2\nevent: x\ndata: live-2\n\n')).toBe(true);
  });

  it('closes a stream whose opening is stuck once the events queued behind it pass the buffer limit', () => {
    const b = broker({ maxBufferedBytes: 150 });
    const c = new FakeConnection();
    c.draining = false;
    b.connect(c, { snapshot: big(200_000) });
    b.publish('x', 'z'.repeat(100));
    expect(c.closed).toBe(false);
    b.publish('x', 'z'.repeat(100));
    expect(c.closed).toBe(true);
    expect(b.connectionCount).toBe(0);
    expect(b.stats().slowClosed).toBe(1);
  });
});

describe('SseBroker framing', () => {
  it('wraps each event once for all the streams of one transport and hands them the same bytes', () => {
    const b = broker();
    const framing = { wrap: vi.fn((frame: Buffer) => Buffer.concat([Buffer.from('<'), frame, Buffer.from('>')])) };
    const streams = [new FramedConnection(framing), new FramedConnection(framing), new FramedConnection(framing)];
    const plain = new FakeConnection();
    for (const c of [...streams, plain]) b.connect(c, { snapshot });
    b.publish('x', '1');
    expect(framing.wrap).toHaveBeenCalledTimes(1);
    const sent = streams.map((c) => c.framed.at(-1));
    expect(sent[0]?.toString()).toBe('<id: e-1\nevent: x\ndata: 1\n\n>');
    expect(sent[1]).toBe(sent[0]);
    expect(sent[2]).toBe(sent[0]);
    expect(plain.chunks.at(-1)).toBe('id: e-1\nevent: x\ndata: 1\n\n');
  });
});

describe('SseBroker fan-out', () => {
  it('writes the same frame to every stream', () => {
    const b = broker();
    const [c1, c2] = [new FakeConnection(), new FakeConnection()];
    b.connect(c1, { snapshot });
    b.connect(c2, { snapshot });
    b.publish('session_created', '{"n":1}');
    const frame = 'id: e-1\nevent: session_created\ndata: {"n":1}\n\n';
    expect(c1.chunks.at(-1)).toBe(frame);
    expect(c2.chunks.at(-1)).toBe(frame);
    expect(b.stats()).toMatchObject({ connections: 2, eventsPublished: 1, framesSent: 6 });
  });

  it('forgets a stream once it closes', () => {
    const b = broker();
    const c = new FakeConnection();
    b.connect(c, { snapshot });
    c.close();
    b.publish('x', '1');
    expect(b.connectionCount).toBe(0);
    expect(c.chunks).toHaveLength(1);
  });

  it('closes a stream that stopped draining once it holds more than the buffer limit', () => {
    const b = broker({ maxBufferedBytes: 150 });
    const slow = new FakeConnection();
    const fast = new FakeConnection();
    b.connect(slow, { snapshot });
    b.connect(fast, { snapshot });
    slow.draining = false;
    const data = 'x'.repeat(40);
    b.publish('x', data);
    b.publish('x', data);
    expect(slow.closed).toBe(false);
    b.publish('x', data);
    expect(slow.closed).toBe(true);
    // Each frame is 65 bytes: the third write crosses the limit.
    expect(slow.bufferedBytes).toBe(195);
    expect(b.connectionCount).toBe(1);
    expect(b.stats().slowClosed).toBe(1);
    b.publish('x', data);
    expect(fast.chunks).toHaveLength(5);
  });

  it('drain closes every stream', () => {
    const b = broker();
    const streams = [new FakeConnection(), new FakeConnection()];
    for (const c of streams) b.connect(c, { snapshot });
    b.drain();
    expect(streams.map((c) => c.closed)).toEqual([true, true]);
    expect(b.connectionCount).toBe(0);
  });
});

describe('SseBroker heartbeat', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  const pinged = (c: FakeConnection) => c.chunks.filter((chunk) => chunk.startsWith('event: ping')).length;

  it('pings a stream idle for one interval, once per interval,, without an id', () => {
    const b = broker({ heartbeatMs: 1000, now: Date.now });
    const c = new FakeConnection();
    b.connect(c, { snapshot });
    vi.advanceTimersByTime(999);
    expect(pinged(c)).toBe(0);
    vi.advanceTimersByTime(1);
    expect(pinged(c)).toBe(1);
    expect(c.chunks.at(-1)).toBe(`event: ping\ndata: {"type":"ping","at":${1_001_000}}\n\n`);
    vi.advanceTimersByTime(999);
    expect(pinged(c)).toBe(1);
    vi.advanceTimersByTime(1);
    expect(pinged(c)).toBe(2);
    b.drain();
  });

  it('does not ping a stream that received an event within the interval', () => {
    const b = broker({ heartbeatMs: 1000, now: Date.now });
    const c = new FakeConnection();
    b.connect(c, { snapshot });
    for (let i = 0; i < 6; i++) {
      vi.advanceTimersByTime(400);
      b.publish('x', String(i));
    }
    expect(pinged(c)).toBe(0);
    b.drain();
  });

  it('closes a stream whose opening made no progress for a whole interval, so its client resumes', () => {
    const b = broker({ heartbeatMs: 1000, maxBufferedBytes: 1_000_000, now: Date.now });
    const stuck = new FakeConnection();
    const slow = new FakeConnection();
    stuck.draining = false;
    slow.draining = false;
    const opening = () => ({ event: 'snapshot', data: 'x'.repeat(300_000) });
    b.connect(stuck, { snapshot: opening });
    b.connect(slow, { snapshot: opening });
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(500);
      slow.flush();
    }
    expect(stuck.closed).toBe(true);
    expect(slow.closed).toBe(false);
    expect(b.stats().slowClosed).toBe(1);
    b.drain();
  });

  it('runs one sweep for all streams and stops it when none is left', () => {
    const b = broker({ heartbeatMs: 1000, now: Date.now });
    const streams = Array.from({ length: 50 }, () => new FakeConnection());
    for (const c of streams) b.connect(c, { snapshot });
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(streams.every((c) => pinged(c) === 1)).toBe(true);
    for (const c of streams) c.close();
    vi.advanceTimersByTime(500);
    expect(vi.getTimerCount()).toBe(0);
  });
});

/** A log whose order is decided elsewhere: appends wait in `submitted` until `deliver` hands them back. */
class FakeSharedLog implements EventLog {
  readonly submitted: { event: string; data: string }[] = [];
  readonly #events: LoggedEvent[] = [];
  #listener: EventLogListener | undefined;

  append(event: string, data: string): undefined {
    this.submitted.push({ event, data });
  }

  after(id: string): readonly LoggedEvent[] | undefined {
    if (id === 's-0') return [...this.#events];
    const index = this.#events.findIndex((event) => event.id === id);
    return index < 0 ? undefined : this.#events.slice(index + 1);
  }

  get lastId(): string {
    return this.#events.at(-1)?.id ?? 's-0';
  }

  get size(): number {
    return this.#events.length;
  }

  listen(listener: EventLogListener): void {
    this.#listener = listener;
  }

  deliver(id: string, event: string, data: string): void {
    const logged = { id, event, data, frame: Buffer.from(encodeFrame({ id, event, data })) };
    this.#events.push(logged);
    this.#listener?.event(logged);
  }

  reset(): void {
    this.#events.length = 0;
    this.#listener?.reset();
  }
}

describe('SseBroker on a shared log', () => {
  it('writes nothing when publishing, and the event once the log hands it back', () => {
    const log = new FakeSharedLog();
    const b = new SseBroker({ log });
    const c = new FakeConnection();
    b.connect(c, { snapshot });
    expect(b.publish('x', '1')).toBeUndefined();
    expect(log.submitted).toEqual([{ event: 'x', data: '1' }]);
    expect(c.chunks).toHaveLength(1);

    log.deliver('s-7', 'x', '1');
    expect(c.chunks.at(-1)).toBe('id: s-7\nevent: x\ndata: 1\n\n');
    expect(b.lastEventId).toBe('s-7');
    expect(b.stats()).toMatchObject({ eventsPublished: 1, framesSent: 3 });
  });

  it('fans out the events other servers put in the log, and replays them by id', () => {
    const log = new FakeSharedLog();
    const b = new SseBroker({ log });
    log.deliver('s-1', 'x', 'a');
    log.deliver('s-2', 'x', 'b');
    const c = new FakeConnection();
    expect(b.connect(c, { lastEventId: 's-1', snapshot })).toBe('replayed');
    expect(c.text).toBe('retry: 2000\n\nid: s-2\nevent: x\ndata: b\n\n');
  });

  it('ends every stream when the log is rebuilt, and still accepts new ones', () => {
    const log = new FakeSharedLog();
    const b = new SseBroker({ log });
    const streams = [new FakeConnection(), new FakeConnection()];
    for (const c of streams) b.connect(c, { snapshot });
    log.reset();
    expect(streams.map((c) => c.closed)).toEqual([true, true]);
    expect(b.connectionCount).toBe(0);
    expect(b.isFull()).toBe(false);
    const fresh = new FakeConnection();
    expect(b.connect(fresh, { lastEventId: 's-9', snapshot })).toBe('unknown_id');
    expect(fresh.text).toContain('id: s-0\nevent: snapshot\n');
  });
});
