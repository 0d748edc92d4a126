import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCommandLine } from './formatCommandLine.ts';
import { CommandLineError, splitCommandLine } from './splitCommandLine.ts';

describe('splitting', () => {
  it('separates arguments on any run of whitespace', () => {
    expect(splitCommandLine('  sleep \t 60  ')).toEqual(['sleep', '60']);
    expect(splitCommandLine('')).toEqual([]);
    expect(splitCommandLine('   ')).toEqual([]);
  });

  it('keeps single-quoted text literally', () => {
    expect(splitCommandLine(`echo 'a  b' '$HOME \\n "x"'`)).toEqual(['echo', 'a  b', '$HOME \\n "x"']);
  });

  it('unescapes only ", \\, $ and ` inside double quotes', () => {
    expect(splitCommandLine(String.raw`printf "say \"hi\" \\ \$x \n"`)).toEqual(['printf', String.raw`say "hi" \ $x \n`]);
  });

  it('escapes any character outside quotes with a backslash', () => {
    expect(splitCommandLine(String.raw`ls My\ Documents \'q\' \\`)).toEqual(['ls', 'My Documents', "'q'", '\\']);
  });

  it('joins adjacent quoted and bare parts into one argument', () => {
    expect(splitCommandLine(`a'b c'"d e"f`)).toEqual(['ab cd ef']);
  });

  it('keeps empty quoted arguments', () => {
    expect(splitCommandLine(`echo '' ""`)).toEqual(['echo', '', '']);
  });
});

describe('errors', () => {
  it('names an unclosed single quote', () => {
    expect(() => splitCommandLine(`echo 'oops`)).toThrow(new CommandLineError("A single quote (') is not closed."));
  });

  it('names an unclosed double quote', () => {
    expect(() => splitCommandLine(`echo "oops \\"`)).toThrow(new CommandLineError('A double quote (") is not closed.'));
  });

  it('names a trailing backslash', () => {
    expect(() => splitCommandLine('echo \\')).toThrow(CommandLineError);
  });
});

describe('formatCommandLine', () => {
  it('leaves plain arguments bare and single-quotes the rest', () => {
    expect(formatCommandLine(['node', '-e', "console.log('hi there')", '/tmp/a.js', ''])).toBe(
      `node -e 'console.log('\\''hi there'\\'')' /tmp/a.js ''`,
    );
  });

  it('is read back by splitCommandLine as the same argv', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary-ascii' }), { minLength: 1, maxLength: 8 }), (argv) => {
        expect(splitCommandLine(formatCommandLine(argv))).toEqual(argv);
      }),
    );
  });
});
