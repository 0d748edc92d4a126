import { HttpError } from '../http/HttpError.ts';

/**
 * `?signal=` of `DELETE /api/sessions/:id`: absent (SIGTERM, then SIGKILL after the grace) or
 * `SIGKILL` (at once).
 * @throws {HttpError} 400 `invalid_body` naming `signal` for any other value, or one given twice.
 */
export function parseKillSignal(value: unknown): 'SIGKILL' | undefined {
  if (value === undefined || value === 'SIGKILL') return value;
  const message = 'signal must be SIGKILL (to kill at once), or left out (SIGTERM, then SIGKILL after the grace period)';
  throw new HttpError(400, 'invalid_body', `Invalid stop request: ${message}.`, [{ field: 'signal', message }]);
}
