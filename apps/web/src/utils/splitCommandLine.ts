/** A command line that cannot be split: an unclosed quote or a dangling backslash. */
export class CommandLineError extends Error {
  override readonly name = 'CommandLineError';
}

// Inside double quotes a backslash escapes only these, as in a POSIX shell.
const DOUBLE_QUOTE_ESCAPES = '"\\$`';

/**
 * Splits a command line into argv the way a POSIX shell's quoting does, without any
 * expansion: whitespace separates arguments; `'…'` keeps everything literally; `"…"` keeps
 * everything but `\"`, `\\`, `\$` and `` \` ``; outside quotes a backslash escapes the
 * next character. Adjacent parts join (`a'b c'"d"` is one argument, `ab cd`).
 *
 * @throws CommandLineError for an unclosed quote or a trailing backslash.
 */
export function splitCommandLine(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let inArgument = false;
  let i = 0;
  while (i < line.length) {
    const char = line[i]!;
    if (/\s/.test(char)) {
      if (inArgument) args.push(current);
      current = '';
      inArgument = false;
      i += 1;
    } else if (char === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new CommandLineError('A single quote (\') is not closed.');
      current += line.slice(i + 1, end);
      inArgument = true;
      i = end + 1;
    } else if (char === '"') {
      i += 1;
      for (;;) {
        if (i >= line.length) throw new CommandLineError('A double quote (") is not closed.');
        const inner = line[i]!;
        if (inner === '"') break;
        const next = line[i + 1];
        if (inner === '\\' && next !== undefined && DOUBLE_QUOTE_ESCAPES.includes(next)) {
          current += next;
          i += 2;
        } else {
          current += inner;
          i += 1;
        }
      }
      inArgument = true;
      i += 1;
    } else if (char === '\\') {
      const next = line[i + 1];
      if (next === undefined) throw new CommandLineError('The command ends with a backslash (\\) that escapes nothing.');
      current += next;
      inArgument = true;
      i += 2;
    } else {
      current += char;
      inArgument = true;
      i += 1;
    }
  }
  if (inArgument) args.push(current);
  return args;
}
