import type { CreateSessionRequest } from '@sessionboard/protocol';
import { HttpError } from '../http/HttpError.ts';
import { createSessionRequestSchema } from '../http/schemas.ts';

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
  const result = createSessionRequestSchema.safeParse(body);
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
