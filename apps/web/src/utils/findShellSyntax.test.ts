import { describe, expect, it } from 'vitest';
import { findShellSyntax } from './findShellSyntax.ts';

describe('findShellSyntax', () => {
  it.each([
    ['ls > out.txt', ['>']],
    ['ls >> out.txt 2> err.txt', ['>']],
    ['sort < names.txt', ['<']],
    ['ps aux | grep node', ['|']],
    ['make || echo failed', ['||']],
    ['make && make install', ['&&']],
    ['sleep 5 &', ['&']],
    ['cd /tmp; ls', [';']],
    ['ls *.log', ['*']],
    ['echo $HOME ${USER} $(date) `id` $1', ['$HOME', '${…}', '$(…)', '`…`', '$1']],
    ['echo "hello $USER"', ['$USER']],
    ['ls ~/projects', ['~']],
  ])('finds the shell syntax in %s', (line, expected) => {
    expect(findShellSyntax(line)).toEqual(expected);
  });

  it.each([
    'ping -c 5 localhost',
    "grep -E 'a|b' '*.txt' '$HOME'",
    'echo "a | b; c > d && e *"',
    'echo a\\|b \\$HOME \\*',
    'echo price: 5$',
    'git log --since=~yesterday',
    "sh -c 'ls | wc -l'",
    '/bin/bash -c "echo $HOME > /tmp/x"',
    '',
  ])('finds nothing a shell would act on in %s', (line) => {
    expect(findShellSyntax(line)).toEqual([]);
  });

  it('lists each kind once, in the order it comes', () => {
    expect(findShellSyntax('cat a | grep b | sort > c; cat c | wc > d')).toEqual(['|', '>', ';']);
  });
});
