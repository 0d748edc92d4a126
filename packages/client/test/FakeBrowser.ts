import type {
  BroadcastChannelConstructor,
  BroadcastChannelLike,
  LockManagerLike,
  LockRequestOptions,
} from '../src/TabEnvironment.ts';

type Task = () => void;

interface Grant {
  tab: FakeTab;
  /** Rejects the request's promise with an `AbortError`, as a steal does. */
  steal(): void;
}

interface Pending {
  tab: FakeTab;
  grant(): void;
  abort(): void;
}

function abortError(message: string): DOMException {
  return new DOMException(message, 'AbortError');
}

/**
 * The tabs of one browser, sharing Web Locks and `BroadcastChannel`s in memory. Like a
 * browser, it runs everything it owes a tab (a lock grant, a stolen lock's rejection, a
 * channel message) later, never in the caller's turn (awaiting a fake-timer advance runs it), holds those
 * tasks while the tab is frozen, and drops them once it is closed.
 */
export class FakeBrowser {
  readonly tabs: FakeTab[] = [];
  private readonly held = new Map<string, Grant>();
  private readonly queues = new Map<string, Pending[]>();
  private readonly channels = new Set<{ tab: FakeTab; name: string; channel: FakeBroadcastChannel }>();

  openTab(): FakeTab {
    const tab = new FakeTab(this, `tab${this.tabs.length + 1}`);
    this.tabs.push(tab);
    return tab;
  }

  /** The tab holding lock `name`, if any. */
  holderOf(name: string): FakeTab | null {
    return this.held.get(name)?.tab ?? null;
  }

  /** @internal Runs `task` in `tab` later, never in the caller's turn. */
  runIn(tab: FakeTab, task: Task): void {
    // A microtask rather than a timer: fake timers push a 0 ms timer set during a tick 1 ms on.
    queueMicrotask(() => tab.run(task));
  }

  /** @internal */
  request(tab: FakeTab, name: string, options: LockRequestOptions, callback: (lock: unknown) => unknown): Promise<void> {
    if (options.steal === true && options.signal !== undefined) {
      return Promise.reject(new DOMException('steal and signal cannot be combined', 'NotSupportedError'));
    }
    if (options.signal?.aborted) return Promise.reject(abortError('The request was aborted.'));
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (fn: Task) => {
        if (settled) return;
        settled = true;
        fn();
      };
      const grant = () => {
        const current: Grant = { tab, steal: () => this.runIn(tab, () => settle(() => reject(abortError('The lock was stolen.')))) };
        this.held.set(name, current);
        this.runIn(tab, () => {
          let result: unknown;
          try {
            result = callback({ name, mode: 'exclusive' });
          } catch (error) {
            result = Promise.reject(error);
          }
          Promise.resolve(result).then(
            (value) => {
              this.release(name, current);
              settle(() => resolve(value as undefined));
            },
            (error: unknown) => {
              this.release(name, current);
              settle(() => reject(error));
            },
          );
        });
      };
      if (options.steal === true) {
        this.held.get(name)?.steal();
        this.held.delete(name);
        grant();
        return;
      }
      const pending: Pending = {
        tab,
        grant,
        abort: () => this.runIn(tab, () => settle(() => reject(abortError('The request was aborted.')))),
      };
      options.signal?.addEventListener('abort', () => {
        const queue = this.queues.get(name) ?? [];
        if (!queue.includes(pending)) return;
        queue.splice(queue.indexOf(pending), 1);
        pending.abort();
      });
      this.queues.set(name, [...(this.queues.get(name) ?? []), pending]);
      this.grantNext(name);
    });
  }

  /** @internal Releases `grant` if it still holds the lock, and grants the next request. */
  release(name: string, grant: Grant): void {
    if (this.held.get(name) !== grant) return;
    this.held.delete(name);
    this.grantNext(name);
  }

  /** @internal */
  openChannel(tab: FakeTab, name: string, channel: FakeBroadcastChannel): void {
    this.channels.add({ tab, name, channel });
  }

  /** @internal Delivers a structured clone of `data` to every other open channel of that name. */
  post(from: FakeBroadcastChannel, name: string, data: unknown): void {
    for (const entry of this.channels) {
      if (entry.name !== name || entry.channel === from) continue;
      const copy: unknown = structuredClone(data);
      this.runIn(entry.tab, () => entry.channel.deliver(copy));
    }
  }

  /** @internal */
  closeChannel(channel: FakeBroadcastChannel): void {
    for (const entry of this.channels) if (entry.channel === channel) this.channels.delete(entry);
  }

  /** @internal What the browser does when a tab goes away: its locks and requests go with it. */
  closeTab(tab: FakeTab): void {
    for (const entry of this.channels) if (entry.tab === tab) this.channels.delete(entry);
    for (const [name, queue] of this.queues) {
      this.queues.set(
        name,
        queue.filter((pending) => pending.tab !== tab),
      );
    }
    for (const [name, grant] of [...this.held]) {
      if (grant.tab === tab) this.release(name, grant);
    }
  }

  private grantNext(name: string): void {
    if (this.held.has(name)) return;
    const queue = this.queues.get(name) ?? [];
    const next = queue.shift();
    if (next !== undefined) next.grant();
  }
}

/** One tab: its `locks` and `BroadcastChannel`, and what can happen to it. */
export class FakeTab {
  closed = false;
  frozen = false;
  readonly locks: LockManagerLike;
  readonly BroadcastChannel: BroadcastChannelConstructor;
  private readonly tasks: Task[] = [];

  constructor(
    private readonly browser: FakeBrowser,
    readonly id: string,
  ) {
    this.locks = {
      request: (name, options, callback) => {
        if (this.closed) return Promise.reject(new DOMException('The tab is closed.', 'InvalidStateError'));
        return browser.request(this, name, options, callback);
      },
    };
    this.BroadcastChannel = FakeBroadcastChannel.of(browser, this);
  }

  /** Closes the tab (or it crashes): its locks are released, its channels deliver no more. */
  close(): void {
    this.closed = true;
    this.tasks.length = 0;
    this.browser.closeTab(this);
  }

  /** Freezes the tab, as a browser does to a background tab: it runs nothing, releases nothing. */
  freeze(): void {
    this.frozen = true;
  }

  /** Thaws the tab: it runs what queued up meanwhile, in order. */
  resume(): void {
    this.frozen = false;
    for (const task of this.tasks.splice(0)) task();
  }

  /** @internal */
  run(task: Task): void {
    if (this.closed) return;
    if (this.frozen) this.tasks.push(task);
    else task();
  }
}

/** A `BroadcastChannel` of a {@link FakeTab}; never receives its own messages. */
export class FakeBroadcastChannel implements BroadcastChannelLike {
  /** The constructor a tab's script sees: `new BroadcastChannel(name)`. */
  static of(browser: FakeBrowser, tab: FakeTab): BroadcastChannelConstructor {
    return class extends FakeBroadcastChannel {
      constructor(name: string) {
        super(browser, tab, name);
      }
    };
  }

  closed = false;
  private readonly listeners: ((event: MessageEvent) => void)[] = [];

  constructor(
    private readonly browser: FakeBrowser,
    private readonly tab: FakeTab,
    readonly name: string,
  ) {
    browser.openChannel(tab, name, this);
  }

  postMessage(message: unknown): void {
    if (this.closed) throw new DOMException('The channel is closed.', 'InvalidStateError');
    // A frozen tab runs no script: whatever it would post waits for it to resume.
    if (this.tab.frozen) this.tab.run(() => this.browser.post(this, this.name, message));
    else this.browser.post(this, this.name, message);
  }

  addEventListener(_type: 'message', listener: (event: MessageEvent) => void): void {
    this.listeners.push(listener);
  }

  close(): void {
    this.closed = true;
    this.browser.closeChannel(this);
  }

  /** @internal */
  deliver(data: unknown): void {
    if (this.closed) return;
    for (const listener of this.listeners) listener({ data } as MessageEvent);
  }
}
