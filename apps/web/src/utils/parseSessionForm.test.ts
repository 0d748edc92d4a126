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
    [{ ...blank }, 'Enter a command to run.', 'command'],
    [{ ...blank, commandLine: `echo 'x` }, "A single quote (') is not closed.", 'command'],
    [{ ...blank, commandLine: `echo ""` }, `Empty arguments ('' or "") cannot be passed to a session.`, 'command'],
    [{ ...blank, commandLine: Array.from({ length: 65 }, () => 'a').join(' ') }, 'A command has at most 64 arguments; this one has 65.', 'command'],
    [{ ...blank, commandLine: `echo ${'x'.repeat(4097)}` }, 'Each argument is at most 4096 characters.', 'command'],
    [{ ...blank, commandLine: 'ls', name: 'n'.repeat(101) }, 'The name is at most 100 characters.', 'name'],
    [{ ...blank, commandLine: 'ls', cwd: 'projects' }, 'Give the folder as a full path, starting with /.', 'cwd'],
  ])('is refused with a reason and the field at fault (%#)', (input, error, field) => {
    expect(parseSessionForm(input)).toEqual({ ok: false, error, field });
  });
});
