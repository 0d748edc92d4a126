import type { IncomingMessage } from 'node:http';
import type { ErrorCode } from '@sessionboard/protocol';
import type { Auth } from '../auth/Auth.ts';
import { authorize, type Authorization } from '../auth/authorize.ts';
import { EXPOSE_HEADERS } from '../http/corsHeaders.ts';
import { foreignHostMessage } from '../http/loopbackHostGuard.ts';
import type { Rollout } from '../ops/createRollout.ts';

/** A stream refused before it starts: the error envelope's status, code and message, and headers. */
export interface StreamRefusal {
  ok: false;
  status: number;
  code: ErrorCode;
  message: string;
  /** Headers of the answer: those the checks before added (CORS) and the refusal's own. */
  headers: Record<string, string>;
  /** The `reason` label of `sse_connections_rejected_total`, for refusals counted there. */
  rejectedReason?: string;
}

/** A stream that may start. */
export interface StreamAdmitted {
  ok: true;
  /** Headers the checks added (CORS, cookies), to send with the stream's own. */
  headers: Record<string, string>;
  /** The sign-in that authorised it: the stream ends when that sign-in does. */
  signInId: string | null;
}

/** What a check sees, and may add headers to (they go out with the answer, whatever it is). */
export interface AdmissionContext {
  readonly req: IncomingMessage;
  readonly headers: Record<string, string>;
  signInId: string | null;
}

/** What a check answers: a refusal, or undefined to let the request go on to the next step. */
export type CheckResult = (Omit<StreamRefusal, 'ok' | 'headers'> & { headers?: Record<string, string> }) | undefined;

/**
 * One step of admission. Synchronous unless it must ask something outside this process (in a
 * cluster, Redis about a sign-in or the shared attempt count): then a promise.
 */
export type AdmissionCheck = (context: AdmissionContext) => CheckResult | Promise<CheckResult>;

/** The verdict on a stream request. */
export type AdmissionVerdict = StreamAdmitted | StreamRefusal;

/**
 * Decides whether a stream request may start; used by the Express route and the fast path
 * alike. Synchronous when every check is (always, for a server on its own).
 */
export type StreamAdmission = (req: IncomingMessage) => AdmissionVerdict | Promise<AdmissionVerdict>;

/** Seconds a refused stream is told to wait before trying again. */
const RETRY_AFTER_FULL_S = 5;
const RETRY_AFTER_DISABLED_S = 60;

/** What the checks of {@link streamAdmissionChecks} need. */
export interface StreamAdmissionDeps {
  auth: Auth;
  corsOrigins: readonly string[];
  /** `SSE_ENABLED`. */
  enabled: boolean;
  /** `SSE_ROLLOUT_PERCENT`: browsers outside it are refused like `SSE_ENABLED=false`. */
  rollout: Rollout;
  /**
   * True when no stream more may open: `SSE_MAX_CONNECTIONS` reached over every kind of stream
   * (sessions and output), or shutting down.
   */
  isFull: () => boolean;
}

/**
 * The checks a stream (sessions or output) goes through, in order, the same as the Express
 * chain before the route: the rollout bucket cookie for a browser without one (never a
 * refusal), the loopback `Host` of a server without a token (403), CORS headers (never a
 * refusal for a GET), auth (429 for an address locked out, 401), `SSE_ENABLED` (503
 * `sse_disabled`), the rollout (503 `sse_disabled` for a browser outside
 * `SSE_ROLLOUT_PERCENT`), then the server's capacity (503 `too_many_connections`). A new
 * condition is one more function in this list, at the place it should be judged.
 */
export function streamAdmissionChecks(deps: StreamAdmissionDeps): AdmissionCheck[] {
  return [
    bucketCookieStep(deps.rollout),
    loopbackHostCheck(deps.auth),
    corsCheck(deps.corsOrigins),
    authCheck(deps.auth),
    enabledCheck(deps.enabled),
    rolloutCheck(deps.rollout),
    capacityCheck(deps.isFull),
  ];
}

/** Runs `checks` in order; the first refusal wins. Goes on asynchronously only from a check that answers a promise. */
export function createStreamAdmission(checks: readonly AdmissionCheck[]): StreamAdmission {
  const run = (context: AdmissionContext, from: number): AdmissionVerdict | Promise<AdmissionVerdict> => {
    for (let i = from; i < checks.length; i++) {
      const result = (checks[i] as AdmissionCheck)(context);
      if (result instanceof Promise) return result.then((refusal) => (refusal === undefined ? run(context, i + 1) : refuse(context, refusal)));
      if (result !== undefined) return refuse(context, result);
    }
    return { ok: true, headers: context.headers, signInId: context.signInId };
  };
  return (req) => run({ req, headers: {}, signInId: null }, 0);
}

function refuse(context: AdmissionContext, refusal: NonNullable<CheckResult>): StreamRefusal {
  return { ...refusal, ok: false, headers: { ...context.headers, ...refusal.headers } };
}

/** As `corsHeaders` does for every response: `Vary: Origin`, and the CORS headers for a listed origin. */
export function corsCheck(origins: readonly string[]): AdmissionCheck {
  const allowed = new Set(origins);
  return ({ req, headers }) => {
    if (allowed.size > 0) headers.Vary = 'Origin';
    const origin = req.headers.origin;
    if (origin !== undefined && allowed.has(origin)) {
      headers['Access-Control-Allow-Origin'] = origin;
      headers['Access-Control-Allow-Credentials'] = 'true';
      headers['Access-Control-Expose-Headers'] = EXPOSE_HEADERS;
    }
    return undefined;
  };
}

export function loopbackHostCheck(auth: Auth): AdmissionCheck {
  return ({ req }) => {
    if (auth.token !== undefined) return undefined;
    const message = foreignHostMessage(req.headers.host);
    return message === undefined ? undefined : { status: 403, code: 'forbidden', message };
  };
}

export function authCheck(auth: Auth): AdmissionCheck {
  const judge = (context: AdmissionContext, verdict: Authorization): CheckResult => {
    if (verdict.ok) {
      context.signInId = verdict.signInId;
      return undefined;
    }
    return { status: verdict.status, code: verdict.code, message: verdict.message, headers: verdict.headers };
  };
  return (context) => {
    const verdict = authorize(auth, context.req);
    return verdict instanceof Promise ? verdict.then((known) => judge(context, known)) : judge(context, verdict);
  };
}

export function enabledCheck(enabled: boolean): AdmissionCheck {
  return () =>
    enabled
      ? undefined
      : {
          status: 503,
          code: 'sse_disabled',
          message: 'The live stream is turned off on this server; poll GET /api/sessions instead.',
          headers: { 'Retry-After': String(RETRY_AFTER_DISABLED_S) },
          rejectedReason: 'disabled',
        };
}

/**
 * As the rollout's middleware does for every response: a request without a bucket gets one,
 * and its cookie goes out with the answer, stream or refusal. Never refuses.
 */
export function bucketCookieStep(rollout: Rollout): AdmissionCheck {
  return ({ req, headers }) => {
    const cookie = rollout.cookieFor(req);
    if (cookie !== undefined) headers['Set-Cookie'] = cookie;
    return undefined;
  };
}

/** The rollout's step: a browser outside `SSE_ROLLOUT_PERCENT` is refused like `SSE_ENABLED=false`. */
export function rolloutCheck(rollout: Rollout): AdmissionCheck {
  return ({ req }) => rollout.admit(req);
}

export function capacityCheck(isFull: () => boolean): AdmissionCheck {
  return () =>
    isFull()
      ? {
          status: 503,
          code: 'too_many_connections',
          message: 'The server has as many open streams as it allows; try again shortly.',
          headers: { 'Retry-After': String(RETRY_AFTER_FULL_S) },
          rejectedReason: 'full',
        }
      : undefined;
}
