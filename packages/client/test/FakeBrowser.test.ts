import { describe, expect, it } from 'vitest';
import { FakeBrowser } from './FakeBrowser.ts';

const hold = () => new Promise<void>(() => {});
const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('FakeBrowser locks', () => {
  it('grant an exclusive lock to one request at a time, in order, and pass it on when a tab closes', async () => {
    const browser = new FakeBrowser();
    const tabs = [browser.openTab(), browser.openTab(), browser.openTab()];
    const granted: string[] = [];
    for (const tab of tabs) void tab.locks.request('l', { mode: 'exclusive' }, () => (granted.push(tab.id), hold()));
    await flush();
    expect(granted).toEqual(['tab1']);
    tabs[0]!.close();
    await flush();
    expect(granted).toEqual(['tab1', 'tab2']);
    expect(browser.holderOf('l')).toBe(tabs[1]);
  });

  it('reject a stolen lock with an AbortError and grant it to the thief at once', async () => {
    const browser = new FakeBrowser();
    const [first, thief] = [browser.openTab(), browser.openTab()];
    const outcome = first!.locks.request('l', { mode: 'exclusive' }, hold).catch((error: DOMException) => error.name);
    await flush();
    void thief!.locks.request('l', { mode: 'exclusive', steal: true }, hold);
    expect(await outcome).toBe('AbortError');
    expect(browser.holderOf('l')).toBe(thief);
  });

  it('withdraw a waiting request when its signal aborts', async () => {
    const browser = new FakeBrowser();
    const [first, second] = [browser.openTab(), browser.openTab()];
    let release = () => {};
    void first!.locks.request('l', {}, () => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    const outcome = second!.locks.request('l', { signal: controller.signal }, hold).catch((error: DOMException) => error.name);
    controller.abort();
    expect(await outcome).toBe('AbortError');
    release();
    await flush();
    expect(browser.holderOf('l')).toBe(null);
  });
});

describe('FakeBrowser channels', () => {
  it('deliver a copy to every other channel of the name, later, and never to the sender', async () => {
    const browser = new FakeBrowser();
    const [one, two] = [browser.openTab(), browser.openTab()];
    const heard: string[] = [];
    const sender = new one!.BroadcastChannel('c');
    sender.addEventListener('message', () => heard.push('sender'));
    new one!.BroadcastChannel('c').addEventListener('message', (event) => heard.push(`same tab ${String(event.data.n)}`));
    new two!.BroadcastChannel('c').addEventListener('message', (event) => heard.push(`other tab ${String(event.data.n)}`));
    new two!.BroadcastChannel('other').addEventListener('message', () => heard.push('other name'));
    const data = { n: 1 };
    sender.postMessage(data);
    data.n = 2;
    expect(heard).toEqual([]);
    await flush();
    expect(heard).toEqual(['same tab 1', 'other tab 1']);
  });

  it('hold what a frozen tab would send or receive until it resumes', async () => {
    const browser = new FakeBrowser();
    const [one, two] = [browser.openTab(), browser.openTab()];
    const heard: string[] = [];
    const a = new one!.BroadcastChannel('c');
    a.addEventListener('message', (event) => heard.push(`one heard ${String(event.data)}`));
    const b = new two!.BroadcastChannel('c');
    b.addEventListener('message', (event) => heard.push(`two heard ${String(event.data)}`));
    one!.freeze();
    a.postMessage('from one');
    b.postMessage('from two');
    await flush();
    expect(heard).toEqual([]);
    one!.resume();
    await flush();
    expect(heard).toEqual(['one heard from two', 'two heard from one']);
  });
});
