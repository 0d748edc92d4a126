import type { OutputSegment } from '@sessionboard/client';
import type { OutputChunk } from '@sessionboard/protocol';
import { INITIAL_ANSI_STATE, createAnsiParser } from './createAnsiParser.ts';
import type { AnsiParserState, AnsiRun } from './createAnsiParser.ts';
import { styleAnsiRun } from './styleAnsiRun.ts';
import type { OutputSpanStyle } from './styleAnsiRun.ts';

/** A run of output text in one style; `style` null for plain text. */
export interface OutputPart {
  readonly text: string;
  readonly style: OutputSpanStyle | null;
}

/** One segment of output, parsed; what the output view draws as one element. */
export interface OutputTextItem {
  readonly kind: 'output';
  /** Stable while the segment lives (its start offset). */
  readonly key: string;
  readonly stream: OutputChunk['stream'];
  readonly start: number;
  readonly end: number;
  readonly parts: readonly OutputPart[];
  /** The text as shown (escape sequences gone): what search looks in and download saves. */
  readonly text: string;
}

/** A place where output was dropped. */
export interface OutputMarkItem {
  readonly kind: 'truncated';
  readonly key: string;
  /** Offset of the first byte after the gap. */
  readonly from: number;
  /** `server`: the server no longer had it (it keeps the last `SESSIONS_OUTPUT_BYTES`, or this view fell behind); `client`: this page let it go to stay light. */
  readonly by: 'server' | 'client';
  /** The first item: everything before it is gone, not just a stretch. */
  readonly leading: boolean;
}

export type OutputItem = OutputTextItem | OutputMarkItem;

/** Turns an output client's segments into items to draw, reusing what it made before. */
export interface OutputRenderer {
  /**
   * The items of `segments`. An unchanged segment gives the very item it gave last time (so
   * a view keyed by `key` does not redraw it), and a grown one (the last, while output
   * arrives) has only its new text parsed.
   */
  render(segments: readonly OutputSegment[]): OutputItem[];
}

interface Entry {
  segment: OutputSegment & { kind: 'output' };
  item: OutputTextItem;
  /** The parser's state after this segment: where the stream's next segment starts. */
  end: AnsiParserState;
}

/**
 * A renderer of one session's output. ANSI state (colours, styles, an escape sequence cut
 * in two) carries from each segment to the next of the same stream; stdout and stderr each
 * have their own, as two terminals' would be. After a gap, both start plain: what was set
 * in the dropped output is unknown.
 */
export function createOutputRenderer(): OutputRenderer {
  let entries = new Map<string, Entry>();
  let marks = new Map<string, OutputMarkItem>();

  function parse(segment: Entry['segment'], from: AnsiParserState, text: string, before: readonly OutputPart[], beforeText: string): Entry {
    const parser = createAnsiParser(from);
    const runs = parser.feed(text);
    const item: OutputTextItem = {
      kind: 'output',
      key: `o${segment.start}`,
      stream: segment.stream,
      start: segment.start,
      end: segment.end,
      parts: appendRuns(before, runs, segment.stream),
      text: beforeText + runs.map((run) => run.text).join(''),
    };
    return { segment, item, end: parser.state() };
  }

  return {
    render(segments) {
      const nextEntries = new Map<string, Entry>();
      const nextMarks = new Map<string, OutputMarkItem>();
      const states: Record<OutputChunk['stream'], AnsiParserState> = { stdout: INITIAL_ANSI_STATE, stderr: INITIAL_ANSI_STATE };
      const items: OutputItem[] = [];
      segments.forEach((segment, index) => {
        if (segment.kind === 'truncated') {
          states.stdout = INITIAL_ANSI_STATE;
          states.stderr = INITIAL_ANSI_STATE;
          const key = `t${segment.by}${segment.from}${index === 0 ? 'l' : ''}`;
          const mark = marks.get(key) ?? { kind: 'truncated', key, from: segment.from, by: segment.by, leading: index === 0 };
          nextMarks.set(key, mark);
          items.push(mark);
          return;
        }
        const key = `o${segment.start}`;
        const cached = entries.get(key);
        let entry: Entry;
        if (cached?.segment === segment) {
          entry = cached;
        } else if (cached !== undefined && cached.segment.stream === segment.stream && segment.text.startsWith(cached.segment.text)) {
          entry = parse(segment, cached.end, segment.text.slice(cached.segment.text.length), cached.item.parts, cached.item.text);
        } else {
          entry = parse(segment, states[segment.stream], segment.text, [], '');
        }
        nextEntries.set(key, entry);
        states[segment.stream] = entry.end;
        items.push(entry.item);
      });
      entries = nextEntries;
      marks = nextMarks;
      return items;
    },
  };
}

/** `before` and `runs` as parts, the last of `before` merged with the first run when they look the same. */
function appendRuns(before: readonly OutputPart[], runs: readonly AnsiRun[], stream: OutputChunk['stream']): OutputPart[] {
  const parts = [...before];
  for (const run of runs) {
    const style = styleAnsiRun(run.style, stream);
    const shown = style.className === '' ? null : style;
    const last = parts.at(-1);
    if (last !== undefined && last.style === shown) parts[parts.length - 1] = { text: last.text + run.text, style: shown };
    else parts.push({ text: run.text, style: shown });
  }
  return parts;
}
