import {
  ERROR_STATUS,
  SESSION_LIMITS,
  SESSION_STATUSES,
  type AuthStatusResponse,
  type CreateSessionRequest,
  type DirListing,
  type ErrorBody,
  type HealthResponse,
  type LoginRequest,
  type OutputChunk,
  type OutputEndEvent,
  type OutputTruncatedEvent,
  type PingEvent,
  type Session,
  type SessionListResponse,
  type SessionOutputResponse,
  type SnapshotEvent,
  type StreamEventMap,
} from '@sessionboard/protocol';
import { z } from 'zod';

/**
 * The API's bodies as zod schemas: what the server validates requests with, and what
 * `GET /api/openapi.json` describes (through zod's JSON Schema output). Each schema is typed
 * against its protocol type, so the two cannot drift apart unnoticed.
 */

const { argMaxLength, commandMaxItems, nameMaxLength } = SESSION_LIMITS;
const argError = `each item of command must be a string of 1 to ${argMaxLength} characters without NUL`;
const commandError = `command must be an array of 1 to ${commandMaxItems} strings (argv, no shell)`;
const nameError = `name must be a string of 1 to ${nameMaxLength} characters without control characters`;
/** C0 controls (NUL, line breaks, ESC…), DEL and C1 controls: a name is shown, never run. */
const CONTROL = /\p{Cc}/u;

/** Body of `POST /api/sessions`. Unknown fields are refused, so a misspelt one is not silently lost. */
export const createSessionRequestSchema: z.ZodType<CreateSessionRequest> = z
  .strictObject(
    {
      command: z
        .array(
          z
            .string({ error: argError })
            .min(1, { error: argError })
            .max(argMaxLength, { error: argError })
            .refine((arg) => !arg.includes('\0'), { error: argError }),
          { error: commandError },
        )
        .min(1, { error: commandError })
        .max(commandMaxItems, { error: commandError })
        .describe('argv: the program and its arguments, run without a shell'),
      name: z
        .string({ error: nameError })
        .min(1, { error: nameError })
        .max(nameMaxLength, { error: nameError })
        .refine((name) => !CONTROL.test(name), { error: nameError })
        .optional()
        .describe("defaults to the command's basename; no control characters"),
      cwd: z
        .string({ error: 'cwd must be a string: an absolute directory inside FS_ROOT' })
        .optional()
        .describe('an absolute directory inside FS_ROOT; defaults to FS_ROOT'),
    },
    { error: 'the body must be a JSON object like {"command":["sleep","30"]}' },
  );

const timestamp = z.iso.datetime({ offset: false }).describe('ISO-8601, UTC');
const epochMs = z.number().int().nonnegative().describe('epoch milliseconds');

export const sessionSchema: z.ZodType<Session> = z.object({
  id: z.string().min(1).describe('opaque, URL-safe, unique for the server\'s lifetime'),
  name: z.string().min(1).max(nameMaxLength),
  command: z.array(z.string()).min(1).max(commandMaxItems),
  cwd: z.string().describe('absolute path the process runs in'),
  status: z.enum(SESSION_STATUSES),
  instance: z.string().describe('the server instance that runs the process'),
  pid: z.number().int().nullable().describe('never null while running'),
  exitCode: z.number().int().nullable().describe('set when the process exited by itself'),
  signal: z.string().nullable().describe('e.g. SIGTERM when ended by a signal'),
  error: z.string().nullable().describe('why it failed to start'),
  createdAt: timestamp,
  updatedAt: timestamp,
  endedAt: timestamp.nullable(),
});

export const sessionListResponseSchema: z.ZodType<SessionListResponse> = z.object({
  sessions: z.array(sessionSchema),
  lastEventId: z.string().describe('the id of the last event this list reflects: resume the stream from it'),
});

export const errorBodySchema: z.ZodType<ErrorBody> = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
    message: z.string().min(1).describe('a sentence a person can act on'),
    details: z.unknown().optional(),
  }),
});

/** Other fields may be added for operators, so the object is open. */
export const healthResponseSchema: z.ZodType<HealthResponse> = z.looseObject({
  status: z.enum(['ok', 'unavailable']),
  redis: z.enum(['up', 'down']).optional().describe('only with REDIS_URL'),
  instance: z.string().optional().describe('INSTANCE_NAME'),
  sse: z
    .object({ enabled: z.boolean().describe('SSE_ENABLED'), rolloutPercent: z.number().int().min(0).max(100).describe('SSE_ROLLOUT_PERCENT') })
    .optional(),
});

export const dirListingSchema: z.ZodType<DirListing> = z.object({
  path: z.string(),
  parent: z.string().nullable(),
  dirs: z.array(z.string()).describe('subdirectory names, sorted'),
});

export const outputChunkSchema: z.ZodType<OutputChunk> = z.object({
  stream: z.enum(['stdout', 'stderr']),
  text: z.string(),
  offset: z.number().int().nonnegative().describe('the byte offset just after this chunk'),
});

export const sessionOutputResponseSchema: z.ZodType<SessionOutputResponse> = z.object({
  chunks: z.array(outputChunkSchema),
  offset: z.number().int().nonnegative().describe("the offset this answer reaches: the next poll's after"),
  from: z.number().int().nonnegative().describe('offset of the oldest byte kept'),
  ended: z.boolean(),
});

export const loginRequestSchema: z.ZodType<LoginRequest> = z.object({ token: z.string().min(1) });

export const authStatusResponseSchema: z.ZodType<AuthStatusResponse> = z.object({
  authRequired: z.boolean(),
  authenticated: z.boolean(),
});

export const snapshotEventSchema: z.ZodType<SnapshotEvent> = z.object({
  type: z.literal('snapshot'),
  sessions: z.array(sessionSchema),
  at: epochMs,
  heartbeatMs: z.number().int().positive().describe('SSE_HEARTBEAT_MS'),
});

function changeEvent<T extends 'session_created' | 'session_updated' | 'session_removed'>(type: T): z.ZodType<StreamEventMap[T]> {
  return z.object({ type: z.literal(type), session: sessionSchema, at: epochMs }) as unknown as z.ZodType<StreamEventMap[T]>;
}

export const sessionCreatedEventSchema = changeEvent('session_created');
export const sessionUpdatedEventSchema = changeEvent('session_updated');
export const sessionRemovedEventSchema = changeEvent('session_removed');

export const pingEventSchema: z.ZodType<PingEvent> = z.object({ type: z.literal('ping'), at: epochMs });

export const outputTruncatedEventSchema: z.ZodType<OutputTruncatedEvent> = z.object({
  type: z.literal('truncated'),
  from: z.number().int().nonnegative(),
});

export const outputEndEventSchema: z.ZodType<OutputEndEvent> = z.object({
  type: z.literal('end'),
  session: sessionSchema,
  offset: z.number().int().nonnegative(),
});

/** Every schema the OpenAPI document names, by its component name. */
export const API_SCHEMAS = {
  Session: sessionSchema,
  SessionList: sessionListResponseSchema,
  CreateSessionRequest: createSessionRequestSchema,
  Error: errorBodySchema,
  Health: healthResponseSchema,
  DirListing: dirListingSchema,
  OutputChunk: outputChunkSchema,
  SessionOutput: sessionOutputResponseSchema,
  LoginRequest: loginRequestSchema,
  AuthStatus: authStatusResponseSchema,
  SnapshotEvent: snapshotEventSchema,
  SessionCreatedEvent: sessionCreatedEventSchema,
  SessionUpdatedEvent: sessionUpdatedEventSchema,
  SessionRemovedEvent: sessionRemovedEventSchema,
  PingEvent: pingEventSchema,
  OutputTruncatedEvent: outputTruncatedEventSchema,
  OutputEndEvent: outputEndEventSchema,
} as const;

export type ApiSchemaName = keyof typeof API_SCHEMAS;
