import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody, ErrorCode } from '@sessionboard/protocol';
import type { Logger } from 'pino';

/** What Node's HTTP parser says went wrong, as `clientError` reports it. */
interface ClientError extends Error {
  code?: string;
}

function answerFor(code: string | undefined): { status: number; code: ErrorCode; message: string } {
  switch (code) {
    case 'HPE_INVALID_URL':
      return { status: 400, code: 'invalid_path', message: 'The request path is not a valid URL path: send bytes above 0x7F percent-encoded.' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'invalid_body', message: 'The request headers are too large.' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, code: 'payload_too_large', message: 'The request body\'s chunk extensions are too large.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'invalid_body', message: 'The request did not arrive in time.' };
    default:
      return { status: 400, code: 'invalid_body', message: 'The request is not valid HTTP/1.1.' };
  }
}

/**
 * Node's `clientError` handler: a request its parser refuses (raw bytes in the path, a bad
 * header, headers too large) gets the JSON error envelope like any other error, with Node's
 * status (400, or 431, 413, 408), instead of a bare status line; then the connection closes.
 * A connection already reset or half-answered is only destroyed.
 */
export function clientErrorHandler(logger: Logger): (error: Error, socket: Duplex) => void {
  return (error: ClientError, socket) => {
    // A response is under way on this socket, or it cannot be written: nothing sensible to send.
    const busy = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (error.code === 'ECONNRESET' || !socket.writable || busy) {
      socket.destroy();
      return;
    }
    const answer = answerFor(error.code);
    logger.info({ code: error.code, status: answer.status }, 'malformed request');
    const body: ErrorBody = { error: { code: answer.code, message: answer.message } };
    const text = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(text)}\r\n` +
        'Cache-Control: no-store\r\n' +
        'X-Content-Type-Options: nosniff\r\n' +
        'Connection: close\r\n\r\n' +
        text,
    );
  };
}
