import { describe, expect, it } from 'vitest';
import { encodeFrame } from './encodeFrame.ts';

describe('encodeFrame', () => {
  it('writes id, event and data in that order and ends with a blank line', () => {
    expect(encodeFrame({ id: '7', event: 'session_created', data: '{"a":1}' })).toBe(
      'id: 7\nevent: session_created\ndata: {"a":1}\n\n',
    );
  });

  it('splits multi-line data on LF, CR and CRLF into one data field per line', () => {
    expect(encodeFrame({ data: 'a\nb\rc\r\nd' })).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
  });

  it('keeps empty lines of data as empty data fields', () => {
    expect(encodeFrame({ data: '' })).toBe('data: \n\n');
    expect(encodeFrame({ data: '\n' })).toBe('data: \ndata: \n\n');
  });

  it('writes a retry field alone', () => {
    expect(encodeFrame({ retry: 2000 })).toBe('retry: 2000\n\n');
  });

  it('writes comments as colon lines', () => {
    expect(encodeFrame({ comment: 'hi\nthere' })).toBe(':hi\n:there\n\n');
  });

  it('refuses line breaks in the event name', () => {
    expect(() => encodeFrame({ event: 'a\ndata: injected', data: 'x' })).toThrow(TypeError);
    expect(() => encodeFrame({ event: 'a\rb' })).toThrow(TypeError);
  });

  it('refuses line breaks and NUL in the id', () => {
    expect(() => encodeFrame({ id: '1\n\ndata: x' })).toThrow(TypeError);
    expect(() => encodeFrame({ id: '1\r' })).toThrow(TypeError);
    expect(() => encodeFrame({ id: '1\0' })).toThrow(TypeError);
  });

  it('refuses a negative or fractional retry', () => {
    expect(() => encodeFrame({ retry: -1 })).toThrow(TypeError);
    expect(() => encodeFrame({ retry: 1.5 })).toThrow(TypeError);
  });

  it('keeps unicode as it is', () => {
    expect(encodeFrame({ data: 'héllo ✓ 🚀' })).toBe('data: héllo ✓ 🚀\n\n');
  });
});
