import type { Session, SessionOutputResponse } from '@sessionboard/protocol';
import { OUTPUT_LIMITS } from '@sessionboard/protocol';
import { Router } from 'express';
import { HttpError } from '../http/HttpError.ts';
import type { OutputRead, OutputSource } from './OutputSource.ts';
import { parseOffset } from './parseOffset.ts';

/** What {@link outputRouter} reads from. */
export interface OutputRouterDeps {
  /** A session by id, if it is known. */
  session: (id: string) => Session | undefined;
  /** A session's output, if it is kept (in a cluster, after catching up with Redis). */
  source: (id: string) => OutputSource | undefined | Promise<OutputSource | undefined>;
}

/**
 * `GET /sessions/:id/output?after=<offset>`: the output kept after byte `after` (default 0),
 * at most {@link OUTPUT_LIMITS.maxChunkBytes} (256 KiB) of it per answer; `offset` says where
 * the answer stopped, for the next poll's `after`.
 * @throws {HttpError} 400 `invalid_body` naming `after` when it is not a non-negative integer
 *   (or given twice); 404 `not_found` for an unknown session; 503 `unavailable` when the output
 *   cannot be read now (a file that cannot be read, or another instance's output while Redis is
 *   out of reach).
 */
export function outputRouter({ session, source }: OutputRouterDeps): Router {
  const router = Router();

  router.get('/:id/output', async (req, res) => {
    const after = parseAfter(req.query.after);
    const { id } = req.params;
    const output = await source(id);
    if (output === undefined || session(id) === undefined) throw notFound(id);
    let read: OutputRead;
    try {
      read = await output.read(after, OUTPUT_LIMITS.maxChunkBytes);
    } catch {
      throw new HttpError(503, 'unavailable', 'The output of this session cannot be read right now; try again shortly.', undefined, { retryAfterS: 5 });
    }
    if (read.removed) throw notFound(id);
    const body: SessionOutputResponse = {
      chunks: read.chunks,
      offset: read.offset,
      from: read.from,
      ended: read.ended && read.offset >= read.end,
    };
    res.json(body);
  });

  return router;
}

function notFound(id: string): HttpError {
  return new HttpError(404, 'not_found', `No session has the id ${JSON.stringify(id)}.`);
}

function parseAfter(value: unknown): number {
  if (value === undefined) return 0;
  const offset = typeof value === 'string' ? parseOffset(value) : undefined;
  if (offset === undefined) {
    const message = 'after must be a byte offset: an integer from 0 up, given once (the offset of the last answer)';
    throw new HttpError(400, 'invalid_body', `Invalid output request: ${message}.`, [{ field: 'after', message }]);
  }
  return offset;
}
