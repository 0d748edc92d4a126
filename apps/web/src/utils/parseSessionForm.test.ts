import { describe, expect, it } from 'vitest';
import { parseSessionForm } from './parseSessionForm.ts';

const blank = { commandLine: '', name: '', cwd: '' };

describe('a valid form', () => {
  it('becomes a request with argv, trimmed name and cwd', () => {
    expect(parseSessionForm({ commandLine: `sh -c 'echo hi; sleep 5'`, name: '  greeter ', cwd: ' /tmp ' })).toEqual({
      ok: true,
      request: { command: ['sh', '-c', 'echo hi; sleep 5'], name: 'greeter', cwd: '/tmp' },
    });
  });

  it('leaves out an empty name and cwd', () => {
    expect(parseSessionForm({ ...blank, commandLine: 'top' })).toEqual({ ok: true, request: { command: ['top'] } });
  });
});

describe('an invalid form', () => {
  it.each([
    [{ ...blank }, 'Enter a command to run.'],
    [{ ...blank, commandLine: `echo 'x` }, "A single quote (') is not closed."],
    [{ ...blank, commandLine: `echo ""` }, `Empty arguments ('' or "") cannot be passed to a session.`],
    [{ ...blank, commandLine: Array.from({ length: 65 }, () => 'a').join(' ') }, 'A command has at most 64 arguments; this one has 65.'],
    [{ ...blank, commandLine: `echo ${'x'.repeat(4097)}` }, 'Each argument is at most 4096 characters.'],
    [{ ...blank, commandLine: 'ls', name: 'n'.repeat(101) }, 'The name is at most 100 characters.'],
    [{ ...blank, commandLine: 'ls', cwd: 'projects' }, 'The directory must be an absolute path, starting with /.'],
  ])('is refused with a reason (%#)', (input, error) => {
    expect(parseSessionForm(input)).toEqual({ ok: false, error });
  });
});
