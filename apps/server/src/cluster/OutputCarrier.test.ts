import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutputBuffer } from '../output/OutputBuffer.ts';
import type { OutputStreamName } from '../output/SegmentIndex.ts';
import { OutputCarrier, type CarriedOutput, type CarriedPiece } from './OutputCarrier.ts';
import { TokenBucket } from '../output/TokenBucket.ts';

/** A session's output over a plain buffer, appended to by the test. */
class TestOutput implements CarriedOutput {
  readonly buffer = new OutputBuffer({ capacity: 64 * 1024 });
  ended = false;
  removed = false;
  readonly #listeners = new Set<() => void>();

  get end(): number {
    return this.buffer.end;
  }

  append(stream: OutputStreamName, text: string): void {
    this.buffer.append(stream, Buffer.from(text));
    this.#notify();
  }

  end_(): void {
    this.ended = true;
    this.#notify();
  }

  remove(): void {
    this.removed = true;
    this.#notify();
  }

  readRaw(after: number, maxBytes: number) {
    return this.removed ? undefined : this.buffer.readRaw(after, maxBytes);
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

const timers = {
  setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
};

interface Written extends CarriedPiece {
  at: number;
  text: string;
}

function carrierFor(output: TestOutput, options: { perSecond?: number; burst?: number; answer?: () => 'ok' | 'absent' | Error } = {}) {
  const written: Written[] = [];
  const counts = { bytes: 0, skipped: 0 };
  const carrier = new OutputCarrier({
    output,
    budget: new TokenBucket({ perSecond: options.perSecond ?? 1024 * 1024, burst: options.burst ?? 64 * 1024, now: Date.now }),
    maxPieceBytes: 64 * 1024,
    timers,
    write: async (piece) => {
      const answer = options.answer?.() ?? 'ok';
      if (answer instanceof Error) throw answer;
      if (answer === 'ok') written.push({ ...piece, at: Date.now(), text: piece.bytes.toString() });
      return answer;
    },
    onCarried: ({ bytes, skipped }) => {
      counts.bytes += bytes;
      counts.skipped += skipped;
    },
  });
  return { carrier, written, counts };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('OutputCarrier', () => {
  it('writes what is new on slots 15 ms before each 50 ms flush of the followers, one piece a slot', async () => {
    const output = new TestOutput();
    const { carrier, written } = carrierFor(output);
    carrier.start();

    output.append('stdout', 'a\n');
    await vi.advanceTimersByTimeAsync(10);
    output.append('stderr', 'b\n');
    await vi.advanceTimersByTimeAsync(60);
    output.append('stdout', 'c\n');
    await vi.advanceTimersByTimeAsync(100);

    expect(written.map(({ at, start, end, runs, text, complete }) => ({ at, start, end, runs, text, complete }))).toEqual([
      { at: 1_000_035, start: 0, end: 4, runs: 'o2,e2', text: 'a\nb\n', complete: false },
      { at: 1_000_085, start: 4, end: 6, runs: 'o2', text: 'c\n', complete: false },
    ]);
    expect(carrier.idle).toBe(true);
  });

  it('writes the end mark with the last piece once the output is complete, then nothing more', async () => {
    const output = new TestOutput();
    const { carrier, written } = carrierFor(output);
    carrier.start();

    output.append('stdout', 'last\n');
    output.end_();
    await vi.advanceTimersByTimeAsync(200);

    expect(written.map(({ start, end, text, complete }) => ({ start, end, text, complete }))).toEqual([{ start: 0, end: 5, text: 'last\n', complete: true }]);
  });

  it('writes the end mark alone for an output that was complete without a byte', async () => {
    const output = new TestOutput();
    const { carrier, written } = carrierFor(output);
    carrier.start();

    output.end_();
    await vi.advanceTimersByTimeAsync(100);

    expect(written.map(({ start, end, bytes, complete }) => ({ start, end, bytes: bytes.length, complete }))).toEqual([{ start: 0, end: 0, bytes: 0, complete: true }]);
  });

  it('carries the newest output within its budget and leaves out the rest, at its rate after the burst', async () => {
    const output = new TestOutput();
    // 1000 bytes at once, then 10 000 a second: 500 a slot.
    const { carrier, written, counts } = carrierFor(output, { perSecond: 10_000, burst: 1000 });
    carrier.start();

    output.append('stdout', 'x'.repeat(3000));
    await vi.advanceTimersByTimeAsync(40);
    output.append('stdout', 'y'.repeat(3000));
    await vi.advanceTimersByTimeAsync(50);

    expect(written.map(({ start, end }) => [start, end])).toEqual([
      [2000, 3000],
      [5500, 6000],
    ]);
    expect(counts).toEqual({ bytes: 1500, skipped: 4500 });
  });

  it('tries again later when the cluster does not hold the session yet, and stops once it is removed', async () => {
    const output = new TestOutput();
    let answer: 'ok' | 'absent' = 'absent';
    const { carrier, written } = carrierFor(output, { answer: () => answer });
    carrier.start();
    output.append('stdout', 'early\n');
    await vi.advanceTimersByTimeAsync(100);
    expect(carrier.idle).toBe(false);

    answer = 'ok';
    await vi.advanceTimersByTimeAsync(1000);
    expect(written.map((piece) => piece.text)).toEqual(['early\n']);

    output.remove();
    await vi.advanceTimersByTimeAsync(100);
    expect(carrier.stopped).toBe(true);
  });

  it('keeps what it could not write while Redis is out of reach and writes it, newest first, when kicked', async () => {
    const output = new TestOutput();
    let down = true;
    const { carrier, written } = carrierFor(output, { answer: () => (down ? new Error('redis down') : 'ok') });
    carrier.start();
    output.append('stdout', 'one\n');
    await vi.advanceTimersByTimeAsync(100);
    output.append('stdout', 'two\n');

    down = false;
    carrier.kick();
    await vi.advanceTimersByTimeAsync(50);

    expect(written.map((piece) => [piece.start, piece.text])).toEqual([[0, 'one\ntwo\n']]);
  });

  it('carries everything kept again after a restart: the copy was lost', async () => {
    const output = new TestOutput();
    const { carrier, written } = carrierFor(output);
    carrier.start();
    output.append('stdout', 'kept\n');
    output.end_();
    await vi.advanceTimersByTimeAsync(100);

    carrier.restart();
    await vi.advanceTimersByTimeAsync(100);

    expect(written.map((piece) => [piece.start, piece.end, piece.complete])).toEqual([
      [0, 5, true],
      [0, 5, true],
    ]);
  });
});
