import type { Request, RequestHandler, Response } from 'express';
import { HttpError } from './HttpError.ts';

/** Options of {@link jsonBody}. */
export interface JsonBodyOptions {
  /** Largest body accepted, in bytes. @default 16384 */
  limitBytes?: number;
  /**
   * How long a refused connection may still send before it is closed, in ms: long enough for
   * the answer to reach the client, too short to read much of what it still sends. @default 300
   */
  lingerMs?: number;
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

/**
 * Parses a JSON body (`application/json`, any `+json`) into `req.body`, as `express.json`
 * does, but refuses a body over the limit as soon as that is known, without reading it:
 * 413 `payload_too_large` at once for a `Content-Length` over the limit, and for a chunked
 * body as soon as it passes the limit; then the connection is closed (`Connection: close`,
 * destroyed `lingerMs` after the answer), so the rest of the body is never read. A charset
 * other than UTF-8, or a `Content-Encoding`, is 415 `unsupported_media_type`; a body that is
 * not a JSON object or array is 400 `invalid_json`.
 */
export function jsonBody(options: JsonBodyOptions = {}): RequestHandler {
  const limit = options.limitBytes ?? 16 * 1024;
  const lingerMs = options.lingerMs ?? 300;
  const tooLarge = () => new HttpError(413, 'payload_too_large', `The request body is larger than ${limit / 1024} KiB.`);

  return (req, res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
    if (!hasBody || !req.is(['application/json', '+json'])) {
      next();
      return;
    }
    const charset = CHARSET.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    const encoding = req.headers['content-encoding'];
    if ((charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') || (encoding !== undefined && encoding !== 'identity')) {
      const got = [charset !== undefined && `charset=${charset}`, encoding !== undefined && `Content-Encoding: ${encoding}`].filter(Boolean);
      refuse(req, res, lingerMs);
      next(new HttpError(415, 'unsupported_media_type', `Send the body as UTF-8 application/json without content encoding (got ${got.join(', ')}).`));
      return;
    }
    const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    if (declared !== undefined && declared > limit) {
      refuse(req, res, lingerMs);
      next(tooLarge());
      return;
    }

    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (error?: HttpError) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      req.off('error', onAborted);
      next(error);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        refuse(req, res, lingerMs);
        settle(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onAborted = () => settle(new HttpError(400, 'invalid_json', 'The request body ended before its declared length.'));
    const onEnd = () => {
      if (declared !== undefined && received !== declared) {
        onAborted();
        return;
      }
      const text = Buffer.concat(chunks, received).toString('utf8');
      try {
        // As express.json's strict mode: only an object or an array is a body.
        if (!/^[\s]*[[{]/.test(text)) throw new SyntaxError(`expected an object or an array, got ${JSON.stringify(text.slice(0, 20))}`);
        req.body = JSON.parse(text) as unknown;
      } catch (error) {
        settle(new HttpError(400, 'invalid_json', `The request body is not valid JSON: ${(error as Error).message}`));
        return;
      }
      settle();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('error', onAborted);
  };
}

/**
 * Answers on a connection that is closed after the answer: the rest of the body is not read,
 * beyond what arrives while the answer goes out.
 */
function refuse(req: Request, res: Response, lingerMs: number): void {
  res.setHeader('Connection', 'close');
  const socket = req.socket;
  res.once('finish', () => {
    socket.end();
    setTimeout(() => socket.destroy(), lingerMs).unref();
  });
}
