import { createParser } from 'eventsource-parser';
import type { DeliveryRecorder } from './DeliveryRecorder.ts';

/** Callbacks of {@link createStreamReader}. */
export interface StreamReaderOptions {
  /** Where change events go. */
  recorder: DeliveryRecorder;
  /** Called once, on the stream's first `snapshot` event: the stream is open. */
  onOpen: () => void;
  /** Called for a frame that is neither a snapshot, a change event nor a ping. */
  onUnexpected?: (event: string | undefined) => void;
}

/** Reads one stream's chunks. */
export interface StreamReader {
  /** Parses a chunk received at `receivedAt` (epoch ms); a frame may span chunks. */
  feed(chunk: string, receivedAt: number): void;
}

const CHANGE_EVENT = /^session_(created|updated|removed)$/;

/**
 * Parses one Server-Sent Events stream with eventsource-parser and records every change
 * event (`session_*`, with an `id:` and a JSON `data` holding `at`) as a delivery.
 */
export function createStreamReader(options: StreamReaderOptions): StreamReader {
  const { recorder, onOpen, onUnexpected } = options;
  let receivedAt = 0;
  let open = false;
  const parser = createParser({
    onEvent(message) {
      if (message.event === 'snapshot') {
        if (!open) {
          open = true;
          onOpen();
        }
      } else if (message.event !== undefined && message.id !== undefined && CHANGE_EVENT.test(message.event)) {
        const { at } = JSON.parse(message.data) as { at: number };
        recorder.record(message.id, at, receivedAt);
      } else if (message.event !== 'ping') {
        onUnexpected?.(message.event);
      }
    },
  });
  return {
    feed(chunk, at) {
      receivedAt = at;
      parser.feed(chunk);
    },
  };
}
