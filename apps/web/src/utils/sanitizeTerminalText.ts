/** What {@link sanitizeTerminalText} makes of a piece of terminal output. */
export interface SanitizedTerminalText {
  /** Printable text, `\n` and `\t`, with SGR sequences (`ESC [ … m`, colon parameters as semicolons) kept for the ANSI parser. */
  text: string;
  /** The input's unfinished tail (an escape sequence, a `\r` that may precede `\n`): put it before the next piece. */
  pending: string;
}

/** An unfinished escape sequence longer than this is not one: its `ESC` is dropped and the rest read as text. */
export const MAX_PENDING_ESCAPE = 4096;

const ESC = '\x1b';
// Control characters other than \t and \n, DEL and the C1 controls: not printable.
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const SPECIAL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * Keeps what a page can show of terminal output: text, newlines and tabs, and the SGR
 * sequences (colours and styles) for `anser`. Other escape sequences (cursor moves, erase
 * line, window titles, charset selects) and control characters are dropped; anser would
 * otherwise show their parameters as text, or lose the colours after a non-SGR CSI such as
 * grep's `ESC [ K`. `\r\n` becomes `\n`, and a lone `\r` (a progress bar redrawing its line)
 * starts a new line, so every state of the line stays readable. An escape sequence cut off
 * at the end of the input is returned as `pending`, to be completed by the next piece:
 * output arrives in chunks that may split one.
 */
export function sanitizeTerminalText(input: string): SanitizedTerminalText {
  let text = '';
  let from = 0;
  SPECIAL.lastIndex = 0;
  for (let match = SPECIAL.exec(input); match !== null; match = SPECIAL.exec(input)) {
    const at = match.index;
    text += input.slice(from, at);
    const char = input[at];
    let next = at + 1;
    if (char === ESC) {
      const escape = readEscape(input, at);
      if (escape.kind === 'incomplete') {
        if (input.length - at <= MAX_PENDING_ESCAPE) return { text, pending: input.slice(at) };
      } else {
        next = escape.end;
        if (escape.kind === 'sgr') text += `${ESC}[${escape.params.replaceAll(':', ';')}m`;
      }
    } else if (char === '\r') {
      if (at === input.length - 1) return { text, pending: '\r' };
      if (input[at + 1] !== '\n') text += '\n';
    }
    from = next;
    SPECIAL.lastIndex = next;
  }
  return { text: text + input.slice(from), pending: '' };
}

type Escape =
  | { kind: 'incomplete' }
  /** Not a complete sequence: only the ESC is dropped. */
  | { kind: 'other'; end: number }
  | { kind: 'sgr'; params: string; end: number };

/** Reads the escape sequence that starts at `input[at]` (an ESC), per ECMA-48. */
function readEscape(input: string, at: number): Escape {
  const introducer = input[at + 1];
  if (introducer === undefined) return { kind: 'incomplete' };
  if (introducer === '[') return readCsi(input, at + 2);
  // OSC (titles, hyperlinks) and the other string sequences end with BEL or ST (ESC \).
  if (introducer === ']' || introducer === 'P' || introducer === 'X' || introducer === '^' || introducer === '_') {
    for (let index = at + 2; index < input.length; index += 1) {
      if (input[index] === '\x07' && introducer === ']') return { kind: 'other', end: index + 1 };
      if (input[index] === ESC) {
        if (index + 1 === input.length) return { kind: 'incomplete' };
        if (input[index + 1] === '\\') return { kind: 'other', end: index + 2 };
      }
    }
    return { kind: 'incomplete' };
  }
  // ESC, intermediates 0x20–0x2F, a final 0x30–0x7E (charset selects, keypad modes, …).
  let index = at + 1;
  while (index < input.length && isBetween(input, index, 0x20, 0x2f)) index += 1;
  if (index === input.length) return { kind: 'incomplete' };
  return isBetween(input, index, 0x30, 0x7e) ? { kind: 'other', end: index + 1 } : { kind: 'other', end: at + 1 };
}

/** A CSI from just after `ESC [`: parameters 0x30–0x3F, intermediates 0x20–0x2F, a final 0x40–0x7E. */
function readCsi(input: string, start: number): Escape {
  let index = start;
  while (index < input.length && isBetween(input, index, 0x30, 0x3f)) index += 1;
  const paramsEnd = index;
  while (index < input.length && isBetween(input, index, 0x20, 0x2f)) index += 1;
  if (index === input.length) return { kind: 'incomplete' };
  if (!isBetween(input, index, 0x40, 0x7e)) return { kind: 'other', end: start - 1 };
  const params = input.slice(start, paramsEnd);
  const sgr = input[index] === 'm' && paramsEnd === index && /^[\d;:]*$/.test(params);
  return sgr ? { kind: 'sgr', params, end: index + 1 } : { kind: 'other', end: index + 1 };
}

function isBetween(input: string, index: number, low: number, high: number): boolean {
  const code = input.charCodeAt(index);
  return code >= low && code <= high;
}
