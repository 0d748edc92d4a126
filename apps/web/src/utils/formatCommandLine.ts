const SAFE = /^[\w@%+=:,./-]+$/;

/**
 * Joins argv into one line a POSIX shell (and `splitCommandLine`) reads back as the same
 * argv: plain arguments stay bare, the rest are single-quoted.
 */
export function formatCommandLine(argv: readonly string[]): string {
  return argv.map((arg) => (SAFE.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ');
}
