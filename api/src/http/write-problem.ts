import { STATUS_CODES } from 'node:http';
import type { Context } from 'koa';
import { isRetryable } from '@sextant/storage';
import { ApiError } from './api-error.ts';
import { PROBLEM_CONTENT_TYPE } from './problem.ts';
import { requestLog } from './request-id.ts';
import type { Problem } from './problem.ts';

const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  503: 'STORAGE_UNAVAILABLE',
};

/** Seconds a client should wait before retrying after storage trouble. */
const STORAGE_RETRY_AFTER_S = 5;

/** Translates anything thrown into an `ApiError`: the one place where errors meet HTTP. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isRetryable(err)) {
    return new ApiError(503, 'STORAGE_UNAVAILABLE', 'the database is unavailable, retry later', {
      cause: err,
      headers: { 'Retry-After': String(STORAGE_RETRY_AFTER_S) },
    });
  }
  const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown; code?: unknown; headers?: unknown; originalError?: unknown };
  // koa-jwt wraps whatever failed while checking a token; storage trouble there is not the caller's fault.
  if (e?.originalError !== undefined && isRetryable(e.originalError)) return toApiError(e.originalError);
  if (e?.code === '23505') return new ApiError(409, 'CONFLICT', 'that already exists', { cause: err });
  if (e?.code === '23503') return new ApiError(409, 'CONFLICT', 'a referenced record does not exist or is still referenced', { cause: err });
  // Data exceptions (bad uuid text, out-of-range numbers or intervals) come from input that got past validation.
  if (typeof e?.code === 'string' && e.code.startsWith('22') && e.code.length === 5) return new ApiError(400, 'BAD_REQUEST', 'a value is malformed or out of range', { cause: err });
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const message = e.expose === true && typeof e.message === 'string' ? e.message : (STATUS_CODES[status] ?? 'Bad Request');
    const headers = typeof e.headers === 'object' && e.headers !== null ? (e.headers as Record<string, string>) : undefined;
    // An error that carries its own stable code (e.g. `SERVER_NOT_FOUND`) keeps it.
    const code = typeof e.code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(e.code) ? e.code : (CODE_BY_STATUS[status] ?? 'BAD_REQUEST');
    return new ApiError(status, code, message, { cause: err, ...(headers === undefined ? {} : { headers }) });
  }
  return new ApiError(status >= 500 && status < 600 ? status : 500, 'INTERNAL', 'internal error', { cause: err });
}

/**
 * Answers `error` as `application/problem+json` with its stable `code`: 4xx messages are shown,
 * 5xx are logged with their cause and answered generically. Headers the error carries (e.g.
 * `Retry-After`) are added to what the response already had.
 */
export function writeProblem(ctx: Context, thrown: unknown): void {
  const error = toApiError(thrown);
  if (error.status >= 500) requestLog(ctx).error({ err: thrown, code: error.code }, 'request failed');
  else if (thrown !== error || error.status !== 404) requestLog(ctx).debug({ err: (thrown as Error).message, code: error.code }, 'request refused');
  const problem: Problem = {
    type: `urn:sextant:problem:${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: STATUS_CODES[error.status] ?? 'Error',
    status: error.status,
    detail: error.expose ? error.message : 'internal error',
    code: error.code,
    instance: ctx.path,
    ...(typeof ctx.state.requestId === 'string' ? { requestId: ctx.state.requestId } : {}),
    ...(error.errors === undefined ? {} : { errors: error.errors }),
  };
  for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
  ctx.status = error.status;
  ctx.type = PROBLEM_CONTENT_TYPE;
  ctx.body = problem;
}
