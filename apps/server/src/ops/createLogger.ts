import { PinoPretty } from 'pino-pretty';
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config.ts';

/** The fields a request's log line carries; a terminal shows the message alone. */
const REQUEST_FIELDS = ['method', 'url', 'status', 'ms', 'route'];

export interface LoggerOptions {
  level: LogLevel;
  /**
   * Short coloured lines (`14:07:52 INFO  GET /api/sessions 200 3 ms`) instead of JSON: for
   * a person at a terminal. @default false
   */
  pretty?: boolean;
  /** Where lines go. @default stdout */
  destination?: NodeJS.WritableStream;
}

/**
 * The server's logger: one JSON object per line for log collectors, or pino-pretty's short
 * lines on a terminal (in-process, so the bundle needs no transport worker).
 */
export function createLogger({ level, pretty = false, destination = process.stdout }: LoggerOptions): Logger {
  if (!pretty) return pino({ level }, destination);
  const stream = PinoPretty({
    destination,
    colorize: (destination as { isTTY?: boolean }).isTTY === true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: ['pid', 'hostname', ...REQUEST_FIELDS].join(','),
    singleLine: true,
    sync: true,
  });
  return pino({ level }, stream);
}
