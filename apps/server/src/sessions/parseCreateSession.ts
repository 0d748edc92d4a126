import { SESSION_LIMITS } from '@sessionboard/protocol';
import type { CreateSessionRequest } from '@sessionboard/protocol';
import { z } from 'zod';
import { HttpError } from '../http/HttpError.ts';

const { argMaxLength, commandMaxItems, nameMaxLength } = SESSION_LIMITS;
const argError = `each item of command must be a string of 1 to ${argMaxLength} characters without NUL`;
const commandError = `command must be an array of 1 to ${commandMaxItems} strings (argv, no shell)`;
const nameError = `name must be a string of 1 to ${nameMaxLength} characters without control characters`;
/** C0 controls (NUL, line breaks, ESC…), DEL and C1 controls: a name is shown, never run. */
const CONTROL = /\p{Cc}/u;

/** Unknown fields are refused rather than ignored, so a misspelt field is not silently lost. */
const schema = z.strictObject(
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
      .max(commandMaxItems, { error: commandError }),
    name: z
      .string({ error: nameError })
      .min(1, { error: nameError })
      .max(nameMaxLength, { error: nameError })
      .refine((name) => !CONTROL.test(name), { error: nameError })
      .optional(),
    cwd: z.string({ error: 'cwd must be a string: an absolute directory inside FS_ROOT' }).optional(),
  },
  { error: 'the body must be a JSON object like {"command":["sleep","30"]}' },
);

/** One wrong or missing field, as `details` lists it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * Checks the body of `POST /api/sessions`; `cwd` is only checked to be a string here.
 * @throws {HttpError} 400 `invalid_body` whose details name every wrong field.
 */
export function parseCreateSession(body: unknown): CreateSessionRequest {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems: FieldProblem[] = result.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: key, message: `${key} is not a field of this body` }));
    }
    return [{ field: issue.path.join('.') || '(body)', message: issue.message }];
  });
  const summary = [...new Set(problems.map((problem) => problem.message))].join('; ');
  throw new HttpError(400, 'invalid_body', `Invalid session request: ${summary}.`, problems);
}
