const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'fish', 'ash']);
const VARIABLE = /^\$(\{[^}]*\}?|\(|[A-Za-z_][A-Za-z0-9_]*|[0-9?#@*!$-])/;

/**
 * The shell syntax in a command line that a shell would act on but a session, which runs
 * its argv without a shell, passes on as plain text: pipes and lists (`|`, `||`, `&&`,
 * `&`, `;`), redirections (`>`, `<`), globs (`*`), `~` at the start of a word, command
 * substitution and variables (`$VAR`, `${…}`, `$(…)`, backquotes, also inside double
 * quotes). Single-quoted and backslash-escaped text is left alone, as a shell would, and
 * so is a line that already runs a shell with `-c`. Each kind is listed once, in order.
 */
export function findShellSyntax(line: string): string[] {
  const found: string[] = [];
  const note = (token: string) => {
    if (!found.includes(token)) found.push(token);
  };
  const words = line.trim().split(/\s+/);
  const program = words[0]?.slice(words[0].lastIndexOf('/') + 1) ?? '';
  if (SHELLS.has(program) && words.includes('-c')) return found;

  let quote: "'" | '"' | null = null;
  let wordStart = true;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i]!;
    const next = line[i + 1];
    if (quote === "'") {
      if (char === "'") quote = null;
      continue;
    }
    if (char === '\\') {
      i += 1;
      wordStart = false;
      continue;
    }
    if (char === '$' || char === '`') {
      const variable = char === '`' ? '`' : VARIABLE.exec(line.slice(i))?.[0];
      if (variable !== undefined) note(variable.startsWith('${') ? '${…}' : variable === '$(' ? '$(…)' : variable === '`' ? '`…`' : variable);
      wordStart = false;
      continue;
    }
    if (quote === '"') {
      if (char === '"') quote = null;
      continue;
    }
    if (char === "'" || char === '"') {
      quote = char;
      wordStart = false;
    } else if (/\s/.test(char)) {
      wordStart = true;
    } else {
      if (char === '|' || char === '&') {
        const double = next === char;
        note(double ? char + char : char);
        if (double) i += 1;
      } else if (char === ';' || char === '>' || char === '<' || char === '*') {
        note(char);
        if ((char === '>' || char === '<') && next === char) i += 1;
      } else if (char === '~' && wordStart) {
        note('~');
      }
      wordStart = false;
    }
  }
  return found;
}
