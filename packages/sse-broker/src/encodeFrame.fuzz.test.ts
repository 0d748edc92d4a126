import fc from 'fast-check';
import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from './encodeFrame.ts';

/** Runs frames through a spec-following parser and returns the events it dispatches. */
function parse(stream: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(stream);
  return events;
}

// Every line break form collapses to LF when the parser joins data lines.
const normalise = (text: string) => text.replace(/\r\n|\r/g, '\n');

const anyText = fc.string({ unit: 'grapheme', maxLength: 200 });
const textWithBreaks = fc
  .array(fc.oneof(anyText, fc.constantFrom('\n', '\r', '\r\n', '\n\n', 'data: x', 'event: evil', 'id: 9', ':')), { maxLength: 12 })
  .map((parts) => parts.join(''));
const safeToken = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !/[\r\n\0]/.test(s) && !s.startsWith(' '));

const FUZZ_RUNS = 2000;

describe('encodeFrame against a spec-following parser', () => {
  it('round-trips arbitrary data, one event per frame, with no injected fields', () => {
    fc.assert(
      fc.property(safeToken, safeToken, textWithBreaks, (id, event, data) => {
        const events = parse(encodeFrame({ id, event: event || 'message', data }));
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ id, event: event || 'message', data: normalise(data) });
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('keeps a sequence of frames apart whatever their data holds', () => {
    fc.assert(
      fc.property(fc.array(textWithBreaks, { minLength: 1, maxLength: 8 }), (datas) => {
        const stream = datas.map((data, i) => encodeFrame({ id: String(i), event: 'tick', data })).join('');
        const events = parse(stream);
        expect(events.map((e) => [e.id, e.event, e.data])).toEqual(datas.map((d, i) => [String(i), 'tick', normalise(d)]));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('refuses any event name or id that holds a line break', () => {
    fc.assert(
      fc.property(anyText, fc.constantFrom('\n', '\r', '\r\n'), anyText, (before, brk, after) => {
        const bad = `${before}${brk}${after}`;
        expect(() => encodeFrame({ event: bad, data: 'x' })).toThrow(TypeError);
        expect(() => encodeFrame({ id: bad, data: 'x' })).toThrow(TypeError);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
