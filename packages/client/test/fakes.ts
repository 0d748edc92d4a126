import type { Session } from '@sessionboard/protocol';
import type { EventSourceConstructor, EventSourceLike } from '../src/ClientEnvironment.ts';

type Listener = (event: MessageEvent) => void;

/** An EventSource driven by the test: `open()`, `emit()`, `fail()`. */
export class FakeEventSource implements EventSourceLike {
  readyState = 0;
  closed = false;
  private lastEventId = '';
  private readonly listeners = new Map<string, Listener[]>();

  constructor(readonly url: string) {}

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
    this.readyState = 2;
  }

  open(): void {
    this.readyState = 1;
    this.dispatch('open', {});
  }

  /** Like a frame `event: <name>` with `data: JSON` and, when given, `id:`. */
  emit(name: string, data: unknown, id?: string): void {
    if (id !== undefined) this.lastEventId = id;
    this.dispatch(name, { data: JSON.stringify(data), lastEventId: this.lastEventId });
  }

  /** A native EventSource's error: CLOSED after a refusal, CONNECTING after a drop. */
  fail(readyState: 0 | 2 = 2): void {
    this.readyState = readyState;
    this.dispatch('error', {});
  }

  private dispatch(type: string, init: Partial<MessageEvent>): void {
    for (const listener of this.listeners.get(type) ?? []) listener({ type, ...init } as MessageEvent);
  }
}

/** A constructor recording every instance it made, in order. */
export function fakeEventSources(): { EventSource: EventSourceConstructor; instances: FakeEventSource[]; latest(): FakeEventSource } {
  const instances: FakeEventSource[] = [];
  return {
    EventSource: class extends FakeEventSource {
      constructor(url: string) {
        super(url);
        instances.push(this);
      }
    },
    instances,
    latest() {
      const last = instances.at(-1);
      if (last === undefined) throw new Error('no EventSource was created');
      return last;
    },
  };
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return jsonResponse(status, { error: { code, message } }, headers);
}

export function session(overrides: Partial<Session> = {}): Session {
  return {
    id: 's1',
    name: 'sleep',
    command: ['sleep', '60'],
    cwd: '/home/user',
    status: 'running',
    instance: 'local',
    pid: 4242,
    exitCode: null,
    signal: null,
    error: null,
    createdAt: '2025-01-01T10:00:00.000Z',
    updatedAt: '2025-01-01T10:00:00.000Z',
    endedAt: null,
    ...overrides,
  };
}
