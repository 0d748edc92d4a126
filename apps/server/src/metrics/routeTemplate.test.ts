import { describe, expect, it } from 'vitest';
import { methodLabel, routeTemplate } from './routeTemplate.ts';

describe('route templates', () => {
  it.each([
    ['GET', '/api/health', '/api/health'],
    ['GET', '/api/sessions?x=1', '/api/sessions'],
    ['POST', '/api/sessions/', '/api/sessions'],
    ['GET', '/api/sessions/abc-123', '/api/sessions/:id'],
    ['DELETE', '/api/sessions/abc?signal=SIGKILL', '/api/sessions/:id'],
    ['GET', '/api/sessions/abc/output?after=10', '/api/sessions/:id/output'],
    ['GET', '/api/sse/sessions?lastEventId=5', '/api/sse/sessions'],
    ['GET', '/api/sse/sessions/abc/output', '/api/sse/sessions/:id/output'],
    ['GET', '/api/fs/dirs?path=/tmp', '/api/fs/dirs'],
    ['POST', '/api/auth/login', '/api/auth/login'],
    ['GET', '/api/openapi.json', '/api/openapi.json'],
    ['GET', '/metrics', '/metrics'],
  ])('labels %s %s as %s', (method, url, template) => {
    expect(routeTemplate(method, url)).toBe(template);
  });

  it('labels the dashboard\'s files and client routes as dashboard', () => {
    for (const url of ['/', '/index.html', '/assets/index-abc.js', '/sessions/abc']) expect(routeTemplate('GET', url)).toBe('dashboard');
    expect(routeTemplate('HEAD', '/')).toBe('dashboard');
  });

  it('labels anything else as unmatched, never by its raw path', () => {
    for (const [method, url] of [
      ['GET', '/api/nothing'],
      ['GET', '/api'],
      ['GET', '/api/sessions/a/b/c'],
      ['GET', '/api/sessionsX'],
      ['POST', '/'],
      ['GET', '*'],
      ['GET', 'http://example.com/x'],
    ] as const) {
      expect(routeTemplate(method, url), `${method} ${url}`).toBe('unmatched');
    }
  });

  it('labels unknown methods as other', () => {
    expect(methodLabel('GET')).toBe('GET');
    expect(methodLabel('BREW')).toBe('other');
    expect(methodLabel(undefined)).toBe('other');
  });
});
