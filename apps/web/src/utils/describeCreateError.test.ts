import { describe, expect, it } from 'vitest';
import { ApiError, networkError } from '@sessionboard/client';
import { describeCreateError } from './describeCreateError.ts';

const refusal = 'cwd must be an existing absolute directory inside /home/user.';

describe('a refused folder', () => {
  it.each([
    ['missing', '“/home/user/nope” does not exist on the server. Pick one with Browse….'],
    ['outside', '“/home/user/nope” is outside the folders this server lets sessions use (its FS_ROOT). Pick one with Browse….'],
    ['not_directory', '“/home/user/nope” is a file, not a folder.'],
    ['relative', 'Give the folder as a full path, starting with /.'],
  ])('marks the directory field and says why (%s)', (problem, message) => {
    const error = new ApiError(400, 'invalid_cwd', refusal, { cwd: '/home/user/nope', problem });
    expect(describeCreateError(error)).toEqual({ field: 'cwd', message, connection: false });
  });

  it('keeps the server’s words for a reason it does not know', () => {
    expect(describeCreateError(new ApiError(400, 'invalid_cwd', refusal))).toEqual({
      field: 'cwd',
      message: `The server cannot use this folder: ${refusal}`,
      connection: false,
    });
  });
});

describe('other failures', () => {
  it('puts a refused field on that field', () => {
    const error = new ApiError(400, 'invalid_body', 'Invalid session request: name must be a string of 1 to 100 characters.', [
      { field: 'name', message: 'name must be a string of 1 to 100 characters' },
    ]);
    expect(describeCreateError(error)).toEqual({ field: 'name', message: error.message, connection: false });
  });

  it('puts limits on the form', () => {
    const error = new ApiError(429, 'too_many_sessions', '64 sessions are running, the most this server allows.');
    expect(describeCreateError(error)).toEqual({ field: null, message: error.message, connection: false });
  });

  it('marks an unreachable server as a connection error', () => {
    const error = networkError(new TypeError('Failed to fetch'));
    expect(describeCreateError(error)).toEqual({ field: null, message: 'Cannot reach the server (Failed to fetch).', connection: true });
  });
});
