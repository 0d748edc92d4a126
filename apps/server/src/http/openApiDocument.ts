import { ERROR_STATUS, type ErrorCode } from '@sessionboard/protocol';
import { z } from 'zod';
import { API_SCHEMAS, type ApiSchemaName } from './schemas.ts';

/** A JSON object of the OpenAPI document. */
type Json = Record<string, unknown>;

const ref = (name: ApiSchemaName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: ApiSchemaName) => ({ 'application/json': { schema: ref(name) } });

/** The error codes that come with `status`, from the protocol's table. */
function codesFor(status: number): ErrorCode[] {
  return (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => ERROR_STATUS[code] === status);
}

const ERROR_MEANING: Readonly<Record<number, string>> = {
  400: 'The request is malformed',
  401: 'Auth is on and the request carries no valid token or sign-in cookie',
  403: 'Refused: a path outside FS_ROOT, a non-loopback Host without a token, or a cross-origin write',
  404: 'Nothing is found at this address',
  413: 'The body is over 16 KiB',
  415: 'The body is not application/json',
  429: 'Over a limit; wait for Retry-After seconds',
  500: 'A fault on the server (logged there)',
  503: 'Refused for now; try again after Retry-After seconds',
};

/** A response with the error envelope; the description lists the codes it may carry. */
function errorResponse(status: number, codes: readonly ErrorCode[] = codesFor(status)): Json {
  const response: Json = {
    description: `${ERROR_MEANING[status] ?? 'Error'}. \`error.code\`: ${codes.map((code) => `\`${code}\``).join(', ')}.`,
    content: json('Error'),
  };
  if (status === 429 || status === 503) {
    response.headers = { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 } } };
  }
  return response;
}

function errors(...entries: (number | [number, ErrorCode[]])[]): Json {
  const responses: Json = {};
  for (const entry of entries) {
    const [status, codes] = typeof entry === 'number' ? [entry, undefined] : entry;
    responses[String(status)] = errorResponse(status, codes);
  }
  return responses;
}

const idParameter = { name: 'id', in: 'path', required: true, description: 'The session id.', schema: { type: 'string', minLength: 1 } };
const resumeParameters = (what: string) => [
  { name: 'Last-Event-ID', in: 'header', required: false, description: `${what} last seen; wins over the query parameter.`, schema: { type: 'string' } },
  { name: 'lastEventId', in: 'query', required: false, description: `${what} last seen, for a client that cannot set headers.`, schema: { type: 'string' } },
];

const STREAM_HEADERS = {
  'Cache-Control': { description: '`no-cache, no-transform`', schema: { type: 'string' } },
  'X-Accel-Buffering': { description: '`no`: proxies must not buffer the stream', schema: { type: 'string', const: 'no' } },
};

/**
 * An event stream: `text/event-stream` frames (`retry:`, `id:`, `event:`, `data:`). Its
 * schema describes the stream as the sequence of its events once parsed: each item is one
 * frame's `event` name, `id` (only on the events named in `withId`) and JSON `data`. `x-sse-events` lists the
 * same by event name, for tools that read it.
 */
function eventStream(description: string, events: Record<string, ApiSchemaName>, idDescription: string, withId: readonly string[]): Json {
  const frames = Object.entries(events).map(([event, data]) => ({
    type: 'object',
    properties: {
      event: { type: 'string', const: event },
      ...(withId.includes(event) ? { id: { type: 'string', description: idDescription } } : {}),
      data: ref(data),
    },
    required: withId.includes(event) ? ['event', 'id', 'data'] : ['event', 'data'],
    additionalProperties: false,
  }));
  return {
    description,
    headers: STREAM_HEADERS,
    content: {
      'text/event-stream': {
        schema: {
          type: 'array',
          description: `WHATWG EventSource frames, starting with \`retry:\`; each event's \`data:\` is one JSON object. Events: ${Object.keys(events).join(', ')}.`,
          items: { oneOf: frames },
        },
        'x-sse-events': Object.fromEntries(Object.entries(events).map(([name, schema]) => [name, ref(schema)])),
      },
    },
  };
}

const SESSION_STREAM_EVENTS: Record<string, ApiSchemaName> = {
  snapshot: 'SnapshotEvent',
  session_created: 'SessionCreatedEvent',
  session_updated: 'SessionUpdatedEvent',
  session_removed: 'SessionRemovedEvent',
  ping: 'PingEvent',
};

const OUTPUT_STREAM_EVENTS: Record<string, ApiSchemaName> = {
  output: 'OutputChunk',
  truncated: 'OutputTruncatedEvent',
  end: 'OutputEndEvent',
  ping: 'PingEvent',
};

/** The JSON Schemas of {@link API_SCHEMAS}, with references between them as `#/components/schemas/<name>`. */
function componentSchemas(): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(API_SCHEMAS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: 'any',
  }) as { schemas: Record<string, Json> };
  for (const schema of Object.values(schemas)) {
    // Each is a component of this document, not a document of its own.
    delete schema.$schema;
    delete schema.$id;
  }
  return schemas;
}

/**
 * The OpenAPI 3.1 document of every route of PROTOCOL.md and `/api/auth/*`, built from the
 * same zod schemas the server validates with. The stream endpoints' events are listed under
 * their media type's `x-sse-events` (event name → schema of its `data`).
 */
export function buildOpenApiDocument(options: { version?: string } = {}): Json {
  const authErrors: (number | [number, ErrorCode[]])[] = [401, [403, ['forbidden']], 429];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sessionboard API',
      version: options.version ?? '0.1.0',
      description:
        'Start, watch and stop the processes ("sessions") a server runs. Every body is JSON; errors are `{"error": {"code", "message", "details"?}}`. The live list and each session\'s output are Server-Sent Events streams.',
      license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
    },
    servers: [{ url: '/', description: 'this server' }],
    security: [{ bearer: [] }, { cookie: [] }, {}],
    tags: [
      { name: 'sessions', description: 'Sessions: list, start, show, stop, remove, read output.' },
      { name: 'streams', description: 'Server-Sent Events streams.' },
      { name: 'files', description: 'The directory picker.' },
      { name: 'auth', description: 'Sign-in with AUTH_TOKEN.' },
      { name: 'operations', description: 'Health, metrics and this document.' },
    ],
    paths: {
      '/api/health': {
        get: {
          operationId: 'getHealth',
          tags: ['operations'],
          summary: 'Whether this instance can serve; never rate limited, never needs auth.',
          security: [],
          responses: {
            '200': { description: '`{"status":"ok"}` with details for operators.', content: json('Health') },
            '503': { description: '`{"status":"unavailable","redis":"down"}`: Redis is unreachable.', content: json('Health') },
            ...errors([403, ['forbidden']]),
          },
        },
      },
      '/api/sessions': {
        get: {
          operationId: 'listSessions',
          tags: ['sessions'],
          summary: 'Every session, and the id of the last event the list reflects.',
          responses: { '200': { description: 'The list.', content: json('SessionList') }, ...errors(...authErrors) },
        },
        post: {
          operationId: 'createSession',
          tags: ['sessions'],
          summary: 'Starts a process; answers after the spawn has succeeded (`running`) or failed (`failed`).',
          requestBody: { required: true, content: json('CreateSessionRequest') },
          responses: {
            '201': {
              description: 'The new session.',
              headers: { Location: { description: 'The session\'s address.', schema: { type: 'string' } } },
              content: json('Session'),
            },
            ...errors([400, ['invalid_json', 'invalid_body', 'invalid_cwd']], 401, [403, ['forbidden']], 413, 415, [429, ['rate_limited', 'too_many_sessions']], [503, ['unavailable']]),
          },
        },
      },
      '/api/sessions/{id}': {
        parameters: [idParameter],
        get: {
          operationId: 'getSession',
          tags: ['sessions'],
          summary: 'One session.',
          responses: { '200': { description: 'The session.', content: json('Session') }, ...errors(...authErrors, 404) },
        },
        delete: {
          operationId: 'deleteSession',
          tags: ['sessions'],
          summary: 'Stops a live session (SIGTERM, SIGKILL after the grace period) or removes an ended one.',
          parameters: [
            {
              name: 'signal',
              in: 'query',
              required: false,
              description: '`SIGKILL` kills a running or stopping session at once.',
              schema: { type: 'string', enum: ['SIGKILL'] },
            },
          ],
          responses: {
            '202': { description: 'The session, `stopping`.', content: json('Session') },
            '204': { description: 'The ended session was removed.' },
            ...errors([400, ['invalid_body']], 401, [403, ['forbidden']], 404, 429, [503, ['unavailable']]),
          },
        },
      },
      '/api/sessions/{id}/output': {
        parameters: [idParameter],
        get: {
          operationId: 'getSessionOutput',
          tags: ['sessions'],
          summary: 'The output kept after byte `after`, for clients that poll.',
          parameters: [{ name: 'after', in: 'query', required: false, description: 'A byte offset; default 0.', schema: { type: 'integer', minimum: 0 } }],
          responses: { '200': { description: 'The output.', content: json('SessionOutput') }, ...errors([400, ['invalid_body']], ...authErrors, 404, [503, ['unavailable']]) },
        },
      },
      '/api/sse/sessions': {
        get: {
          operationId: 'streamSessions',
          tags: ['streams'],
          summary: 'The live list: a snapshot (or the events missed, when resuming), then one event per change, and ping when idle.',
          parameters: resumeParameters('The event id'),
          responses: {
            '200': eventStream('The stream.', SESSION_STREAM_EVENTS, 'The event id: send it back to resume.', ['snapshot', 'session_created', 'session_updated', 'session_removed']),
            ...errors(401, [403, ['forbidden']], [503, ['too_many_connections', 'sse_disabled']]),
          },
        },
      },
      '/api/sse/sessions/{id}/output': {
        parameters: [idParameter],
        get: {
          operationId: 'streamSessionOutput',
          tags: ['streams'],
          summary: "A session's output, live; `end` when the session has ended and all was sent.",
          parameters: resumeParameters('The output offset'),
          responses: {
            '200': eventStream('The stream.', OUTPUT_STREAM_EVENTS, 'The byte offset just after this output: send it back to resume.', ['output']),
            ...errors(401, [403, ['forbidden']], 404, [503, ['too_many_connections', 'sse_disabled']]),
          },
        },
      },
      '/api/fs/dirs': {
        get: {
          operationId: 'listDirectories',
          tags: ['files'],
          summary: "Subdirectories of a directory inside FS_ROOT, for picking a session's cwd.",
          parameters: [{ name: 'path', in: 'query', required: false, description: 'An absolute path; default FS_ROOT.', schema: { type: 'string' } }],
          responses: {
            '200': { description: 'The listing.', content: json('DirListing') },
            ...errors([400, ['invalid_path']], 401, [403, ['forbidden']], 404, 429),
          },
        },
      },
      '/api/auth/status': {
        get: {
          operationId: 'getAuthStatus',
          tags: ['auth'],
          summary: 'Whether this server wants a token, and whether this request has one.',
          security: [],
          responses: { '200': { description: 'The status.', content: json('AuthStatus') }, ...errors([403, ['forbidden']], 429) },
        },
      },
      '/api/auth/login': {
        post: {
          operationId: 'signIn',
          tags: ['auth'],
          summary: 'Sets the HttpOnly sign-in cookie for AUTH_TOKEN.',
          security: [],
          requestBody: { required: true, content: json('LoginRequest') },
          responses: {
            '204': {
              description: 'Signed in.',
              headers: { 'Set-Cookie': { description: '`sessionboard_auth`, HttpOnly, SameSite=Strict.', schema: { type: 'string' } } },
            },
            ...errors([400, ['invalid_json', 'invalid_body']], 401, [403, ['forbidden']], [404, ['not_found']], 413, 415, 429),
          },
        },
      },
      '/api/auth/logout': {
        post: {
          operationId: 'signOut',
          tags: ['auth'],
          summary: 'Clears the sign-in cookie and revokes its sign-in.',
          security: [],
          responses: { '204': { description: 'Signed out.' }, ...errors([403, ['forbidden']], 429) },
        },
      },
      '/api/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          tags: ['operations'],
          summary: 'This document; never rate limited.',
          responses: { '200': { description: 'The OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } }, ...errors(401, [403, ['forbidden']]) },
        },
      },
      '/metrics': {
        get: {
          operationId: 'getMetrics',
          tags: ['operations'],
          summary: 'Prometheus metrics.',
          responses: {
            '200': { description: 'The Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } },
            ...errors(401, [403, ['forbidden']]),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'AUTH_TOKEN, when the server has one.' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'sessionboard_auth', description: 'The sign-in cookie of POST /api/auth/login.' },
      },
      schemas: {
        ...componentSchemas(),
      },
    },
  };
}
