import Anser from 'anser';
import { sanitizeTerminalText } from './sanitizeTerminalText.ts';

/** An ANSI colour: an index of the 256-colour palette (0–15 are the theme's own), or a true colour. */
export type AnsiColor = { readonly kind: 'ansi'; readonly index: number } | { readonly kind: 'rgb'; readonly rgb: readonly [number, number, number] };

/** How a run of text is drawn. Reverse video is already applied (anser swaps the colours). */
export interface AnsiStyle {
  readonly fg: AnsiColor | null;
  readonly bg: AnsiColor | null;
  readonly bold: boolean;
  readonly dim: boolean;
  readonly italic: boolean;
  readonly underline: boolean;
  readonly strikethrough: boolean;
  readonly hidden: boolean;
}

/** A run of text in one style. */
export interface AnsiRun {
  readonly text: string;
  readonly style: AnsiStyle;
}

/** Where a parser stands: the SGR state in effect, and an unfinished escape sequence held back. Plain data. */
export interface AnsiParserState {
  readonly fg: string | null;
  readonly bg: string | null;
  readonly fgTruecolor: string | null;
  readonly bgTruecolor: string | null;
  readonly decorations: readonly string[];
  readonly pending: string;
}

/** Parses one stream's output piece by piece, carrying the colours and styles from one piece to the next. */
export interface AnsiParser {
  /** The runs of `text`, in the style the stream is in; an escape sequence cut off at its end waits for the next piece. */
  feed(text: string): AnsiRun[];
  /** Where the parser stands now; {@link createAnsiParser} resumes from it. */
  state(): AnsiParserState;
}

/** The state of a stream that has printed nothing. */
export const INITIAL_ANSI_STATE: AnsiParserState = { fg: null, bg: null, fgTruecolor: null, bgTruecolor: null, decorations: [], pending: '' };

/** Anser's SGR state, kept on the instance (anser 2.x); not in its type declarations. */
interface AnserInternals {
  fg: string | null;
  bg: string | null;
  fg_truecolor: string | null;
  bg_truecolor: string | null;
  decorations: string[];
}

/** An entry of `ansiToJson`, with the reverse-video flag its types leave out. */
type AnserEntry = Anser.AnserJsonEntry & { isInverted?: boolean };

// anser gives the text before the first escape of each call no style at all, losing the state
// a previous call left: starting every call with an SGR that changes nothing (10, the
// primary font, which anser ignores) puts all the text after an escape, in that state.
const KEEP_STATE = '\x1b[10m';
const NAMES = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];
const PLAIN: AnsiStyle = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, strikethrough: false, hidden: false };

/**
 * A parser of one stream's ANSI output (stdout or stderr), built on `anser`'s SGR parser
 * (`ansiToJson` with classes): text is first cleaned by `sanitizeTerminalText`, then parsed
 * with the state the stream was left in, so a colour set in one chunk still applies in the
 * next, and a sequence split between chunks is read whole. Start it from `from` to carry on
 * where another parser of the same stream stopped.
 */
export function createAnsiParser(from: AnsiParserState = INITIAL_ANSI_STATE): AnsiParser {
  const anser = new Anser();
  const internals = anser as unknown as AnserInternals;
  internals.fg = from.fg;
  internals.bg = from.bg;
  internals.fg_truecolor = from.fgTruecolor;
  internals.bg_truecolor = from.bgTruecolor;
  internals.decorations = [...from.decorations];
  let pending = from.pending;
  // Styles by anser's description: runs in the same style share one object.
  const styles = new Map<string, AnsiStyle>();

  function styleOf(entry: AnserEntry): AnsiStyle {
    if (!entry.was_processed && !entry.isInverted) return PLAIN;
    const key = `${entry.fg}|${entry.fg_truecolor}|${entry.bg}|${entry.bg_truecolor}|${entry.decorations.join(',')}`;
    let style = styles.get(key);
    if (style === undefined) {
      const has = (name: string) => entry.decorations.includes(name as Anser.DecorationName);
      style = {
        fg: colorOf(entry.fg, entry.fg_truecolor),
        bg: colorOf(entry.bg, entry.bg_truecolor),
        bold: has('bold'),
        dim: has('dim'),
        italic: has('italic'),
        underline: has('underline'),
        strikethrough: has('strikethrough'),
        hidden: has('hidden'),
      };
      styles.set(key, style);
    }
    return style;
  }

  return {
    feed(text) {
      const clean = sanitizeTerminalText(pending + text);
      pending = clean.pending;
      if (clean.text === '') return [];
      const entries = anser.ansiToJson(KEEP_STATE + clean.text, { use_classes: true, remove_empty: true }) as AnserEntry[];
      const runs: AnsiRun[] = [];
      for (const entry of entries) {
        const style = styleOf(entry);
        const last = runs.at(-1);
        if (last !== undefined && last.style === style) runs[runs.length - 1] = { text: last.text + entry.content, style };
        else runs.push({ text: entry.content, style });
      }
      return runs;
    },
    state: () => ({
      fg: internals.fg,
      bg: internals.bg,
      fgTruecolor: internals.fg_truecolor,
      bgTruecolor: internals.bg_truecolor,
      decorations: [...internals.decorations],
      pending,
    }),
  };
}

/** anser's class name (`ansi-red`, `ansi-bright-red`, `ansi-palette-208`, `ansi-truecolor` with `r, g, b`) as a colour. */
function colorOf(name: string | null, truecolor: string | null): AnsiColor | null {
  if (name === null) return null;
  if (name === 'ansi-truecolor') {
    const rgb = (truecolor ?? '').split(',').map((channel) => Number.parseInt(channel, 10));
    return rgb.length === 3 && rgb.every((channel) => channel >= 0 && channel <= 255) ? { kind: 'rgb', rgb: rgb as [number, number, number] } : null;
  }
  if (name.startsWith('ansi-palette-')) {
    const index = Number.parseInt(name.slice('ansi-palette-'.length), 10);
    return index >= 0 && index <= 255 ? { kind: 'ansi', index } : null;
  }
  const bright = name.startsWith('ansi-bright-');
  const index = NAMES.indexOf(name.slice(bright ? 'ansi-bright-'.length : 'ansi-'.length));
  return index < 0 ? null : { kind: 'ansi', index: bright ? index + 8 : index };
}
