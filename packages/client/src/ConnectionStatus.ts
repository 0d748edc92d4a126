/** Every state of a client's connection, as the dashboard's indicator names them. */
export const CONNECTION_STATUSES = ['live', 'connecting', 'polling', 'offline'] as const;

/**
 * - `live`: the stream is open.
 * - `connecting`: opening (or re-opening) the stream.
 * - `polling`: the stream is unavailable and `GET /api/sessions` answers.
 * - `offline`: neither the stream nor polling works.
 */
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];
