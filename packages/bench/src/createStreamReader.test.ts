import { describe, expect, it } from 'vitest';
import { DeliveryRecorder } from './DeliveryRecorder.ts';
import { createStreamReader } from './createStreamReader.ts';

const snapshot = 'retry: 2000\n\nid: e-0\nevent: snapshot\ndata: {"type":"snapshot","sessions":[],"at":1000,"heartbeatMs":30000}\n\n';
const created = 'id: e-1\nevent: session_created\ndata: {"type":"session_created","session":{"id":"a"},"at":1000}\n\n';
const updated = 'id: e-2\nevent: session_updated\ndata: {"type":"session_updated","session":{"id":"a"},"at":1004}\n\n';
const ping = 'event: ping\ndata: {"type":"ping","at":1005}\n\n';

function reader() {
  const recorder = new DeliveryRecorder();
  const seen = { opened: 0, unexpected: [] as (string | undefined)[] };
  const stream = createStreamReader({
    recorder,
    onOpen: () => (seen.opened += 1),
    onUnexpected: (event) => seen.unexpected.push(event),
  });
  return { recorder, seen, stream };
}

describe('createStreamReader', () => {
  it('opens on the snapshot and records each change event with its latency', () => {
    const { recorder, seen, stream } = reader();
    stream.feed(snapshot, 1001);
    stream.feed(created, 1012.5);
    stream.feed(updated + ping, 1010);
    const report = recorder.report();
    expect(seen.opened).toBe(1);
    expect(report.deliveries).toBe(2);
    expect([...report.latencies]).toEqual([12.5, 6]);
    expect(report.counts).toEqual([
      ['e-1', 1],
      ['e-2', 1],
    ]);
    expect(report.firstAt).toBe(1012.5);
    expect(report.lastAt).toBe(1010);
    expect(seen.unexpected).toEqual([]);
  });

  it('parses frames split anywhere across chunks, CRLF line ends included', () => {
    const { recorder, seen, stream } = reader();
    const text = (snapshot + created + updated).replace(/\n/g, '\r\n');
    for (let i = 0; i < text.length; i += 7) stream.feed(text.slice(i, i + 7), 2000);
    expect(seen.opened).toBe(1);
    expect(recorder.report().counts).toEqual([
      ['e-1', 1],
      ['e-2', 1],
    ]);
  });

  it('counts a repeated id twice and reports frames it does not know', () => {
    const { recorder, seen, stream } = reader();
    stream.feed(snapshot + created + created + 'event: other\ndata: x\n\n', 1000);
    expect(recorder.report().counts).toEqual([['e-1', 2]]);
    expect(seen.unexpected).toEqual(['other']);
  });

  it('starts each phase empty', () => {
    const { recorder, stream } = reader();
    stream.feed(snapshot + created, 1000);
    recorder.reset();
    const report = recorder.report();
    expect(report.deliveries).toBe(0);
    expect(report.counts).toEqual([]);
    expect(report.firstAt).toBeNaN();
  });
});
