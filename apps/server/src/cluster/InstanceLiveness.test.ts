import { describe, expect, it } from 'vitest';
import { InstanceLiveness } from './InstanceLiveness.ts';

const TTL = 15_000;
const GAP = 2_000;

/** A liveness judged by `a`, in contact with Redis every second from 0 to `until`. */
function inContact(until: number, heard: Record<string, number[]> = {}): InstanceLiveness {
  const liveness = new InstanceLiveness({ self: 'a', ttlMs: TTL, contactGapMs: GAP });
  const events: [number, () => void][] = [];
  for (let at = 0; at <= until; at += 1000) events.push([at, () => liveness.contact(at)]);
  for (const [name, times] of Object.entries(heard)) for (const at of times) events.push([at, () => liveness.heard(name, at)]);
  for (const [, apply] of events.sort((x, y) => x[0] - y[0])) apply();
  return liveness;
}

describe('InstanceLiveness judging', () => {
  it('judges an instance dead once it has been silent for the TTL, not before', () => {
    const liveness = inContact(20_000, { b: [0, 1000, 2000] });
    expect(liveness.dead(16_999)).toEqual([]);
    expect(liveness.dead(17_000)).toEqual(['b']);
  });

  it('keeps an instance alive while it is heard', () => {
    const heard = Array.from({ length: 40 }, (_, i) => i * 1000);
    expect(inContact(40_000, { b: heard }).dead(40_000)).toEqual([]);
  });

  it('never judges itself', () => {
    const liveness = inContact(40_000, { a: [0] });
    expect(liveness.dead(40_000)).toEqual([]);
    expect(liveness.alive(40_000)).toEqual(['a']);
  });

  it('gives an instance learned of from the registry a whole TTL from then', () => {
    const liveness = inContact(30_000);
    liveness.known('c', 10_000);
    liveness.known('c', 20_000);
    expect(liveness.dead(24_999)).toEqual([]);
    expect(liveness.dead(25_000)).toEqual(['c']);
  });

  it('forgets an instance that left', () => {
    const liveness = inContact(30_000, { b: [0] });
    liveness.forget('b');
    expect(liveness.dead(30_000)).toEqual([]);
    expect(liveness.alive(30_000)).toEqual(['a']);
  });
});

describe('InstanceLiveness and contact with Redis', () => {
  it('judges no one while out of contact', () => {
    const liveness = inContact(10_000, { b: [0] });
    expect(liveness.dead(30_000)).toEqual([]);
    liveness.contact(10_500);
    liveness.lostContact();
    expect(liveness.dead(30_000)).toEqual([]);
  });

  it('gives every instance a fresh TTL after Redis was out of reach longer than the gap (frozen or restarted)', () => {
    const liveness = inContact(5_000, { b: [5_000] });
    // Redis frozen from 5 s to 25 s: no heartbeat, no round trip.
    liveness.contact(25_000);
    expect(liveness.dead(25_000)).toEqual([]);
    for (let at = 26_000; at <= 45_000; at += 1000) liveness.contact(at);
    expect(liveness.dead(39_999)).toEqual([]);
    expect(liveness.dead(40_000)).toEqual(['b']);
  });

  it('gives every instance a fresh TTL after the connection broke', () => {
    const liveness = inContact(5_000, { b: [0] });
    liveness.lostContact();
    for (let at = 8_000; at <= 30_000; at += 1000) liveness.contact(at);
    expect(liveness.dead(22_999)).toEqual([]);
    expect(liveness.dead(23_000)).toEqual(['b']);
  });

  it('counts as alive every instance not judged dead, itself first', () => {
    const liveness = inContact(20_000, { b: [0], c: [19_000] });
    expect(liveness.alive(10_000)).toEqual(['a', 'b', 'c']);
    expect(liveness.alive(20_000)).toEqual(['a', 'c']);
  });
});
