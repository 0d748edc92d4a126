import { effectScope, nextTick, shallowRef } from 'vue';
import { describe, expect, it } from 'vitest';
import { fakeOutput, fakePage } from '../testing/fakeOutput.ts';
import { useSessionOutput } from './useSessionOutput.ts';

function follow(id = 's1', options: { hidden?: boolean; ready?: boolean; heartbeatMs?: number | null } = {}) {
  const fake = fakeOutput();
  const doc = fakePage(options.hidden ?? false);
  const win = fakePage();
  const sessionId = shallowRef(id);
  const ready = shallowRef(options.ready ?? true);
  const heartbeatMs = shallowRef(options.heartbeatMs ?? null);
  const scope = effectScope();
  const output = scope.run(() =>
    useSessionOutput(sessionId, { createClient: fake.factory, document: doc as unknown as Document, window: win as unknown as Window, ready, heartbeatMs }),
  )!;
  return { ...fake, doc, win, sessionId, ready, heartbeatMs, scope, output };
}

const chunk = (text: string, offset: number, stream: 'stdout' | 'stderr' = 'stdout') => ({ stream, text, offset });

describe('useSessionOutput', () => {
  it('follows the session’s output stream and shows its chunks', () => {
    const { sources, output } = follow('abc');
    expect(sources.latest().url).toBe('/api/sse/sessions/abc/output');
    sources.latest().open();
    sources.latest().emit('output', chunk('hello\n', 6), '6');
    expect(output.state.value.offset).toBe(6);
    expect(output.state.value.segments).toEqual([{ kind: 'output', stream: 'stdout', text: 'hello\n', start: 0, end: 6 }]);
  });

  it('passes the server’s heartbeat to the client, waiting until ready', async () => {
    const { options, sources, ready, heartbeatMs } = follow('abc', { ready: false });
    expect(sources.instances).toHaveLength(0);
    heartbeatMs.value = 2000;
    ready.value = true;
    await nextTick();
    expect(options).toEqual([{ sessionId: 'abc', heartbeatMs: 2000 }]);
    expect(sources.instances).toHaveLength(1);
  });

  it('says live, polling or ended, keeping the last of live and polling through a reconnect', async () => {
    const { sources, output } = follow();
    expect(output.shown.value).toBeNull();
    sources.latest().open();
    expect(output.shown.value).toBe('live');
    // A dropped stream: the client is connecting again, the view still says how output came.
    sources.latest().fail(0);
    expect(output.state.value.state).toBe('connecting');
    expect(output.shown.value).toBe('live');
  });

  it('says ended once the end came, and stops', () => {
    const { sources, output } = follow();
    const source = sources.latest();
    source.open();
    source.emit('output', chunk('bye\n', 4), '4');
    source.emit('end', { type: 'end', offset: 4, session: { id: 's1' } });
    expect(output.shown.value).toBe('ended');
    expect(source.closed).toBe(true);
  });

  it('stops following while the tab is hidden and goes on from its offset when shown', () => {
    const { sources, doc, output } = follow();
    sources.latest().open();
    sources.latest().emit('output', chunk('one\n', 4), '4');
    doc.hidden = true;
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(sources.latest().closed).toBe(true);
    expect(output.state.value.state).toBe('paused');
    doc.hidden = false;
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(sources.instances).toHaveLength(2);
    expect(sources.latest().url).toBe('/api/sse/sessions/s1/output?lastEventId=4');
  });

  it('does not start in a hidden tab until it is shown', () => {
    const { sources, doc } = follow('s1', { hidden: true });
    expect(sources.instances).toHaveLength(0);
    doc.hidden = false;
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(sources.instances).toHaveLength(1);
  });

  it('follows a new session when the id changes, and stops the old one', async () => {
    const { sources, sessionId, output } = follow('first');
    const first = sources.latest();
    first.open();
    sessionId.value = 'second';
    await nextTick();
    expect(first.closed).toBe(true);
    expect(sources.latest().url).toBe('/api/sse/sessions/second/output');
    expect(output.state.value.sessionId).toBe('second');
    expect(output.shown.value).toBeNull();
  });

  it('retries at once when the browser is back online', () => {
    const { sources, win } = follow();
    sources.latest().open();
    sources.latest().fail(0);
    expect(sources.instances).toHaveLength(1);
    win.dispatchEvent(new Event('online'));
    expect(sources.instances).toHaveLength(2);
  });

  it('stops the client and its listeners with the scope', () => {
    const { sources, doc, scope } = follow();
    scope.stop();
    expect(sources.latest().closed).toBe(true);
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(sources.instances).toHaveLength(1);
  });
});
