import { describe, expect, it } from 'vitest';
import { MAX_PENDING_ESCAPE, sanitizeTerminalText } from './sanitizeTerminalText.ts';

describe('sanitizeTerminalText', () => {
  it('keeps text, newlines, tabs and SGR sequences as they are', () => {
    const input = 'plain\t\x1b[1;31mred bold\x1b[0m\nnext line ünïcødé 🙂\n';
    expect(sanitizeTerminalText(input)).toEqual({ text: input, pending: '' });
  });

  it('drops cursor moves, erase-line and other CSI sequences but keeps the SGR around them', () => {
    // grep --color=always writes ESC[K after each colour change.
    const grep = '\x1b[01;31m\x1b[Kmatch\x1b[m\x1b[K rest\x1b[2J\x1b[?25l\x1b[10;5H';
    expect(sanitizeTerminalText(grep)).toEqual({ text: '\x1b[01;31mmatch\x1b[m rest', pending: '' });
  });

  it('drops window titles, hyperlinks and charset selects', () => {
    const input = '\x1b]0;my title\x07a\x1b]8;;https://x.test\x1b\\link\x1b]8;;\x1b\\b\x1b(Bc\x1b=d';
    expect(sanitizeTerminalText(input).text).toBe('alinkbcd');
  });

  it('turns colon parameters into semicolons, which anser reads', () => {
    expect(sanitizeTerminalText('\x1b[38:5:208mx').text).toBe('\x1b[38;5;208mx');
  });

  it('drops control characters but the tab and newline', () => {
    expect(sanitizeTerminalText('a\x07b\x08c\x00d\x7fe\x9bf\n').text).toBe('abcdef\n');
  });

  it('reads \\r\\n as one newline and a lone \\r as a new line', () => {
    expect(sanitizeTerminalText('one\r\ntwo\r 50%\r100%\n').text).toBe('one\ntwo\n 50%\n100%\n');
  });

  it('holds back an escape sequence cut off at the end, for the next piece', () => {
    for (const tail of ['\x1b', '\x1b[', '\x1b[38;5', '\x1b]0;title', '\x1b]0;title\x1b', '\x1b(']) {
      expect(sanitizeTerminalText(`text${tail}`)).toEqual({ text: 'text', pending: tail });
    }
    const first = sanitizeTerminalText('a\x1b[3');
    expect(sanitizeTerminalText(`${first.pending}1mred`)).toEqual({ text: '\x1b[31mred', pending: '' });
  });

  it('holds back a final \\r, which may be half of a \\r\\n', () => {
    const first = sanitizeTerminalText('line\r');
    expect(first).toEqual({ text: 'line', pending: '\r' });
    expect(sanitizeTerminalText(`${first.pending}\nnext`).text).toBe('\nnext');
  });

  it('gives up on an endless unfinished sequence: its ESC goes and the rest is text', () => {
    const endless = `\x1b]${'x'.repeat(MAX_PENDING_ESCAPE)}`;
    expect(sanitizeTerminalText(endless)).toEqual({ text: `]${'x'.repeat(MAX_PENDING_ESCAPE)}`, pending: '' });
  });

  it('drops only the ESC of a malformed sequence', () => {
    expect(sanitizeTerminalText('\x1b[1\x02m').text).toBe('[1m');
  });
});
