import { describe, expect, it } from 'vitest';
import { sharedSessionsName } from './sharedSessionsName.ts';

describe('sharedSessionsName', () => {
  it('names the page origin for the same-origin API', () => {
    expect(sharedSessionsName('', 'http://127.0.0.1:4021/?tab=2')).toBe('sessionboard:sessions:v1:http://127.0.0.1:4021');
  });

  it('resolves a relative base against the page and keeps absolute bases apart', () => {
    expect(sharedSessionsName('/board/', 'http://127.0.0.1:4021/x')).toBe('sessionboard:sessions:v1:http://127.0.0.1:4021/board');
    expect(sharedSessionsName('https://a.example', 'http://127.0.0.1:4021/')).toBe('sessionboard:sessions:v1:https://a.example');
  });

  it('keeps the base as given without a page', () => {
    expect(sharedSessionsName('', undefined)).toBe('sessionboard:sessions:v1:');
  });
});
