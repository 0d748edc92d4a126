import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '@sessionboard/protocol';
import { FakeBrowser } from '../test/FakeBrowser.ts';
import type { FakeTab } from '../test/FakeBrowser.ts';
import { fakeEventSources, session } from '../test/fakes.ts';
import type { FakeEventSource } from '../test/fakes.ts';
import type { SessionsMessage } from './SessionsState.ts';
import type { BroadcastChannelConstructor, LockManagerLike } from './TabEnvironment.ts';
import type { TabMessage } from './TabMessage.ts';
import { createSharedSessionsClient } from './createSharedSessionsClient.ts';
import type { SharedSessionsClient, SharedSessionsClientOptions } from './createSharedSessionsClient.ts';
import { sharedSessionsName } from './sharedSessionsName.ts';

const a = session({ id: 'a' });
const b = session({ id: 'b' });
const c = session({ id: 'c', createdAt: '2025-01-01T10:00:05.000Z', updatedAt: '2025-01-01T10:00:05.000Z' });
const LOCK = sharedSessionsName('');

interface Tab {
  tab: FakeTab;
  client: SharedSessionsClient;
  streams: FakeEventSource[];
  /** Types of the messages its listener saw, in order. */
  seen: SessionsMessage['type'][];
}

function harness() {
  const browser = new FakeBrowser();
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    throw new Error(`unexpected fetch of ${String(input)}`);
  });
  const tabs: Tab[] = [];
  function openTab(options: SharedSessionsClientOptions = {}): Tab {
    const tab = browser.openTab();
    const sources = fakeEventSources();
    const client = createSharedSessionsClient({
      locks: tab.locks,
      BroadcastChannel: tab.BroadcastChannel,
      EventSource: sources.EventSource,
      fetch,
      random: () => 0.5,
      tabId: tab.id,
      ...options,
    });
    const seen: SessionsMessage['type'][] = [];
    client.subscribe((_state, message) => seen.push(message.type));
    const opened: Tab = { tab, client, streams: sources.instances, seen };
    tabs.push(opened);
    return opened;
  }
  /** Opens `count` tabs, starts them in order, and lets the election settle. */
  async function openTabs(count: number, options: SharedSessionsClientOptions = {}): Promise<Tab[]> {
    const opened = Array.from({ length: count }, () => openTab(options));
    for (const tab of opened) tab.client.start();
    await settle();
    return opened;
  }
  const roles = () => tabs.map((tab) => tab.client.getRole());
  const streamCount = () => tabs.reduce((sum, tab) => sum + tab.streams.length, 0);
  return { browser, fetch, openTab, openTabs, roles, streamCount };
}

/** Lets every task the fake browser owes a tab run, without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

/** Moves the clock, then settles what the last timers queued. */
async function elapse(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await settle();
}

function stream(tab: Tab): FakeEventSource {
  const last = tab.streams.at(-1);
  if (last === undefined) throw new Error(`${tab.tab.id} opened no stream`);
  return last;
}

function emitSnapshot(es: FakeEventSource, sessions: Session[], id: string): void {
  es.emit('snapshot', { type: 'snapshot', sessions, at: 1, heartbeatMs: 30_000 }, id);
}

function emitChange(es: FakeEventSource, type: string, changed: Session, id: string): void {
  es.emit(type, { type, session: changed, at: 2 }, id);
}

/** A holder streaming `a` and `b`, then `a` stopping: cursor `e2`. */
function goLive(holder: Tab): void {
  const es = stream(holder);
  es.open();
  emitSnapshot(es, [a, b], 'e1');
  emitChange(es, 'session_updated', { ...a, status: 'stopping', updatedAt: '2025-01-01T10:00:01.000Z' }, 'e2');
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2025-01-01T10:00:00Z') });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('election', () => {
  it('makes exactly one of three tabs the holder, and only it opens a stream', async () => {
    const { openTabs, roles, streamCount, browser } = harness();
    const [first] = await openTabs(3);
    expect(roles()).toEqual(['holder', 'follower', 'follower']);
    expect(browser.holderOf(LOCK)).toBe(first!.tab);
    expect(streamCount()).toBe(1);
    expect(stream(first!).url).toBe('/api/sse/sessions');
  });

  it('keeps one holder and one stream while time passes', async () => {
    const { openTabs, roles, streamCount } = harness();
    await openTabs(3);
    await elapse(60_000);
    expect(roles()).toEqual(['holder', 'follower', 'follower']);
    expect(streamCount()).toBe(1);
  });

  it('reports each change of role to its listeners', async () => {
    const { openTab } = harness();
    const tab = openTab();
    const roles: string[] = [];
    tab.client.subscribeRole((role) => roles.push(role));
    tab.client.start();
    await settle();
    tab.client.stop();
    expect(roles).toEqual(['follower', 'holder', 'idle']);
  });
});

describe('followers', () => {
  it('hold the same state as the holder, message by message', async () => {
    const { openTabs, fetch } = harness();
    const [holder, ...followers] = await openTabs(3);
    goLive(holder!);
    emitChange(stream(holder!), 'session_removed', b, 'e3');
    await settle();
    const expected = holder!.client.getState();
    expect(expected).toMatchObject({ status: 'live', lastEventId: 'e3', recentEventIds: ['e1', 'e2', 'e3'] });
    for (const follower of followers) {
      expect(follower.client.getState()).toEqual(expected);
      expect(follower.streams).toEqual([]);
      expect(follower.seen).toEqual(['state', 'status', 'snapshot', 'change', 'change']);
    }
    expect(fetch).not.toHaveBeenCalled();
  });

  it('show a new tab the list, cursor and status at once, without a stream of its own', async () => {
    const { openTabs, openTab, fetch } = harness();
    const [holder] = await openTabs(2);
    goLive(holder!);
    await settle();
    const late = openTab();
    late.client.start();
    await settle();
    expect(late.client.getState()).toEqual(holder!.client.getState());
    expect(late.client.getState()).toMatchObject({ status: 'live', lastEventId: 'e2', lastUpdateAt: Date.parse('2025-01-01T10:00:00Z') });
    expect(Object.keys(late.client.getState().sessions)).toEqual(['a', 'b']);
    expect(late.streams).toEqual([]);
    expect(late.seen).toEqual(['state']);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('share a REST answer with every tab at once, and the stream repeats it harmlessly', async () => {
    const { openTabs } = harness();
    const [holder, follower, other] = await openTabs(3);
    goLive(holder!);
    await settle();
    follower!.client.apply({ type: 'upsert', session: c });
    expect(follower!.client.getState().sessions['c']).toEqual(c);
    await settle();
    expect(holder!.client.getState().sessions['c']).toEqual(c);
    expect(other!.client.getState().sessions['c']).toEqual(c);
    expect(other!.seen.filter((type) => type === 'upsert')).toEqual(['upsert']);
    emitChange(stream(holder!), 'session_created', c, 'e3');
    await settle();
    for (const tab of [holder!, follower!, other!]) {
      expect(Object.keys(tab.client.getState().sessions).sort()).toEqual(['a', 'b', 'c']);
      expect(tab.client.getState().lastEventId).toBe('e3');
    }
  });

  it('share a removal answered by REST in the holder', async () => {
    const { openTabs } = harness();
    const [holder, follower] = await openTabs(2);
    goLive(holder!);
    await settle();
    holder!.client.apply({ type: 'remove', id: 'b' });
    await settle();
    expect(Object.keys(follower!.client.getState().sessions)).toEqual(['a']);
    expect(follower!.client.getState()).toEqual(holder!.client.getState());
  });

  it('pass a reconnect to the holder, which retries its stream at once', async () => {
    const { openTabs } = harness();
    const [holder, follower] = await openTabs(2);
    goLive(holder!);
    stream(holder!).fail(0);
    await settle();
    expect(follower!.client.getState().status).toBe('connecting');
    expect(holder!.streams.length).toBe(1);
    follower!.client.reconnect();
    await settle();
    expect(holder!.streams.length).toBe(2);
    expect(stream(holder!).url).toBe('/api/sse/sessions?lastEventId=e2');
    expect(follower!.streams).toEqual([]);
  });
});

describe('takeover', () => {
  it('hands the connection to the next tab when the holder closes, resuming from its cursor', async () => {
    const { openTabs, roles, browser } = harness();
    const [holder, next, last] = await openTabs(3);
    goLive(holder!);
    await settle();
    holder!.tab.close();
    await settle();
    expect(roles()).toEqual(['holder', 'holder', 'follower']);
    expect(browser.holderOf(LOCK)).toBe(next!.tab);
    expect(next!.streams.length).toBe(1);
    expect(stream(next!).url).toBe('/api/sse/sessions?lastEventId=e2');
    expect(last!.streams).toEqual([]);
    // The server replays what happened after e2, the event at e2 once more included.
    const es = stream(next!);
    es.open();
    emitChange(es, 'session_updated', { ...a, status: 'stopping', updatedAt: '2025-01-01T10:00:01.000Z' }, 'e2');
    emitChange(es, 'session_created', c, 'e3');
    emitChange(es, 'session_removed', b, 'e4');
    await settle();
    for (const tab of [next!, last!]) {
      expect(tab.client.getState()).toMatchObject({ status: 'live', lastEventId: 'e4', recentEventIds: ['e1', 'e2', 'e3', 'e4'] });
      expect(Object.keys(tab.client.getState().sessions).sort()).toEqual(['a', 'c']);
    }
    expect(last!.seen.slice(-4)).toEqual(['status', 'status', 'change', 'change']);
  });

  it('hands over again and again as tabs close, one stream at a time', async () => {
    const { openTabs, streamCount } = harness();
    const tabs = await openTabs(4);
    goLive(tabs[0]!);
    await settle();
    for (const [index, tab] of tabs.slice(0, 3).entries()) {
      tab.tab.close();
      await settle();
      const next = tabs[index + 1]!;
      expect(next.client.getRole()).toBe('holder');
      expect(stream(next).url).toBe('/api/sse/sessions?lastEventId=e2');
      stream(next).open();
    }
    expect(streamCount()).toBe(4);
    expect(tabs.map((tab) => tab.streams.filter((es) => !es.closed).length)).toEqual([1, 1, 1, 1]);
    expect(tabs[3]!.client.getState().status).toBe('live');
  });

  it('hands the lock over when the holder stops, and shows offline in the stopped tab only', async () => {
    const { openTabs, roles } = harness();
    const [holder, next] = await openTabs(2);
    goLive(holder!);
    await settle();
    holder!.client.stop();
    await settle();
    expect(roles()).toEqual(['idle', 'holder']);
    expect(stream(holder!).closed).toBe(true);
    expect(holder!.client.getState().status).toBe('offline');
    expect(next!.client.getState().status).toBe('connecting');
    expect(stream(next!).url).toBe('/api/sse/sessions?lastEventId=e2');
  });
});

describe('frozen holder', () => {
  it('has its lock stolen by a follower after 5 s without a word, and follows once thawed', async () => {
    const { openTab, roles, browser } = harness();
    const holder = openTab();
    const next = openTab({ random: () => 0 });
    const other = openTab({ random: () => 0.9 });
    for (const tab of [holder, next, other]) tab.client.start();
    await settle();
    goLive(holder);
    await settle();
    holder.tab.freeze();
    await elapse(4_000);
    expect(roles()).toEqual(['holder', 'follower', 'follower']);
    expect(browser.holderOf(LOCK)).toBe(holder.tab);
    await elapse(2_000);
    expect(browser.holderOf(LOCK)).toBe(next.tab);
    // The frozen tab has run nothing yet, so it does not know.
    expect(roles()).toEqual(['holder', 'holder', 'follower']);
    expect(stream(next).url).toBe('/api/sse/sessions?lastEventId=e2');
    expect(other.streams).toEqual([]);
    stream(next).open();
    emitChange(stream(next), 'session_created', c, 'e3');
    holder.tab.resume();
    await settle();
    expect(roles()).toEqual(['follower', 'holder', 'follower']);
    expect(stream(holder).closed).toBe(true);
    expect(holder.streams.length).toBe(1);
    for (const tab of [holder, other]) expect(tab.client.getState()).toEqual(next.client.getState());
    expect(next.client.getState()).toMatchObject({ status: 'live', lastEventId: 'e3' });
  });

  it('is ignored for what it still sends once thawed, its term being over', async () => {
    const { openTab } = harness();
    const holder = openTab();
    const next = openTab({ random: () => 0 });
    const other = openTab({ random: () => 0.9 });
    for (const tab of [holder, next, other]) tab.client.start();
    await settle();
    goLive(holder);
    await settle();
    holder.tab.freeze();
    await elapse(6_000);
    expect(next.client.getRole()).toBe('holder');
    stream(next).open();
    emitSnapshot(stream(next), [a, b, c], 'e3');
    // What the frozen tab's stream received before the freeze, posted as it thaws.
    emitSnapshot(stream(holder), [b], 'e2');
    await settle();
    holder.tab.resume();
    await settle();
    expect(Object.keys(other.client.getState().sessions)).toEqual(['a', 'b', 'c']);
    expect(other.client.getState()).toEqual(next.client.getState());
    expect(holder.client.getState()).toEqual(next.client.getState());
  });

  it('is not replaced while it answers pings, however rarely its own timers run', async () => {
    const { openTab, roles, streamCount } = harness();
    // A background tab's timers may run once a minute; its message handlers do not wait.
    const holder = openTab({ tabHeartbeatMs: 60_000 });
    const followers = [openTab(), openTab()];
    for (const tab of [holder, ...followers]) tab.client.start();
    await settle();
    await elapse(30_000);
    expect(roles()).toEqual(['holder', 'follower', 'follower']);
    expect(streamCount()).toBe(1);
  });
});

describe('fallback', () => {
  it('runs a stream in every tab without the Web Locks API', async () => {
    const { openTabs, roles } = harness();
    const tabs = await openTabs(3, { locks: null });
    expect(roles()).toEqual(['solo', 'solo', 'solo']);
    expect(tabs.map((tab) => tab.streams.map((es) => es.url))).toEqual([
      ['/api/sse/sessions'],
      ['/api/sse/sessions'],
      ['/api/sse/sessions'],
    ]);
  });

  it('runs a stream in every tab without BroadcastChannel', async () => {
    const { openTabs, roles, streamCount } = harness();
    await openTabs(3, { BroadcastChannel: null });
    expect(roles()).toEqual(['solo', 'solo', 'solo']);
    expect(streamCount()).toBe(3);
  });

  it('runs a stream in every tab when BroadcastChannel throws', async () => {
    const { openTabs, roles, streamCount } = harness();
    const Throwing = class {
      constructor() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      }
    } as unknown as BroadcastChannelConstructor;
    await openTabs(3, { BroadcastChannel: Throwing });
    expect(roles()).toEqual(['solo', 'solo', 'solo']);
    expect(streamCount()).toBe(3);
  });

  it('runs a stream in every tab when a lock request throws at once', async () => {
    const { openTabs, roles, streamCount } = harness();
    const locks: LockManagerLike = {
      request: () => {
        throw new TypeError('locks are not supported here');
      },
    };
    await openTabs(3, { locks });
    expect(roles()).toEqual(['solo', 'solo', 'solo']);
    expect(streamCount()).toBe(3);
  });

  it('runs a stream in every tab when a lock request is refused later', async () => {
    const { openTabs, roles, streamCount } = harness();
    const locks: LockManagerLike = {
      request: () => Promise.reject(new DOMException('The request was denied.', 'SecurityError')),
    };
    const tabs = await openTabs(3, { locks });
    expect(roles()).toEqual(['solo', 'solo', 'solo']);
    expect(streamCount()).toBe(3);
    const es = stream(tabs[1]!);
    es.open();
    emitSnapshot(es, [a], 'e1');
    expect(tabs[1]!.client.getState()).toMatchObject({ status: 'live', lastEventId: 'e1' });
    expect(tabs[0]!.client.getState().lastEventId).toBe(null);
  });
});

describe('tab messages', () => {
  it('are the holder state, the messages it applies and heartbeats, as another tab hears them', async () => {
    const { openTabs, browser } = harness();
    const [holder] = await openTabs(1);
    const listener = browser.openTab();
    const heard: TabMessage[] = [];
    new listener.BroadcastChannel(LOCK).addEventListener('message', (event) => heard.push(event.data as TabMessage));
    goLive(holder!);
    await elapse(1_000);
    const epoch = Date.parse('2025-01-01T10:00:00Z');
    expect(heard.map((message) => (message.kind === 'message' ? message.message.type : message.kind))).toEqual([
      'status',
      'snapshot',
      'change',
      'heartbeat',
    ]);
    expect(heard[3]).toEqual({ kind: 'heartbeat', from: 'tab1', epoch });
    expect(heard[0]).toEqual({ kind: 'message', from: 'tab1', epoch, message: { type: 'status', status: 'live', error: null } });
  });
});
