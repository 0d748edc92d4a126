import { vi } from 'vitest';
import { createOutputClient } from '@sessionboard/client';
import type { OutputClient, OutputClientOptions } from '@sessionboard/client';
import { fakeEventSources } from '@sessionboard/client/testing';
import type { OutputClientFactory } from '../composables/useSessionOutput.ts';

/**
 * Real output clients (`createOutputClient`) on a fake `EventSource` the test drives
 * (`latest().open()`, `.emit('output', chunk, id)`, `.fail()`) and a fetch mock (which
 * answers nothing unless told), made by `factory`; `options` records what each was made with.
 */
export function fakeOutput() {
  const sources = fakeEventSources();
  const fetch = vi.fn<typeof globalThis.fetch>(() => new Promise<Response>(() => {}));
  const options: OutputClientOptions[] = [];
  const clients: OutputClient[] = [];
  const factory: OutputClientFactory = (given) => {
    options.push(given);
    const client = createOutputClient({ ...given, EventSource: sources.EventSource, fetch });
    clients.push(client);
    return client;
  };
  return { factory, sources, fetch, options, clients };
}

/** A document or window stand-in: events, and `hidden` for the page's visibility. */
export function fakePage(hidden = false): EventTarget & { hidden: boolean } {
  return Object.assign(new EventTarget(), { hidden });
}
