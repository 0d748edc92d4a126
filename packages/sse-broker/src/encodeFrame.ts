/** The fields of one Server-Sent Events frame, as the WHATWG EventSource format defines them. */
export interface FrameFields {
  /** `event:` name; must not contain CR or LF. */
  event?: string;
  /** `id:`; must not contain CR, LF or NUL (a browser ignores an id with NUL). */
  id?: string;
  /** `data:` payload; each line becomes its own `data:` field and the client joins them with LF. */
  data?: string;
  /** `retry:` reconnection delay in milliseconds; a non-negative integer. */
  retry?: number;
  /** A `:` comment line per line of text; clients ignore comments. */
  comment?: string;
}

const LINE_BREAK = /\r\n|\r|\n/;

/**
 * Encodes one frame, ending with the blank line that dispatches it.
 * Multi-line `data` and `comment` are split on CRLF, CR and LF so that no line of the payload
 * can start a field of its own.
 * @throws {TypeError} when `event` or `id` contains a line break (frame injection), `id`
 *   contains NUL, or `retry` is not a non-negative integer.
 */
export function encodeFrame(fields: FrameFields): string {
  let frame = '';
  if (fields.comment !== undefined) {
    for (const line of fields.comment.split(LINE_BREAK)) frame += `:${line}\n`;
  }
  if (fields.retry !== undefined) {
    if (!Number.isSafeInteger(fields.retry) || fields.retry < 0) {
      throw new TypeError(`SSE retry must be a non-negative integer, got ${String(fields.retry)}`);
    }
    frame += `retry: ${fields.retry}\n`;
  }
  if (fields.id !== undefined) {
    if (/[\r\n\0]/.test(fields.id)) throw new TypeError('SSE id must not contain CR, LF or NUL');
    frame += `id: ${fields.id}\n`;
  }
  if (fields.event !== undefined) {
    if (/[\r\n]/.test(fields.event)) throw new TypeError('SSE event name must not contain CR or LF');
    frame += `event: ${fields.event}\n`;
  }
  if (fields.data !== undefined) {
    for (const line of fields.data.split(LINE_BREAK)) frame += `data: ${line}\n`;
  }
  return `${frame}\n`;
}
