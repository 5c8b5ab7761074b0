/** Stable codes of the API's own errors; clients branch on `code`, never on messages. */
export type ApiErrorCode =
  | 'BAD_REQUEST'
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'INVALID_CREDENTIALS'
  | 'REFRESH_TOKEN_INVALID'
  | 'REFRESH_TOKEN_REUSED'
  | 'FORBIDDEN'
  | 'INSUFFICIENT_SCOPE'
  | 'LOGIN_REQUIRED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'LAST_ADMIN'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL'
  | 'STORAGE_UNAVAILABLE';

export interface ApiErrorOptions {
  cause?: unknown;
  /** Extra response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  /** Structured details added to the problem body as `errors` (e.g. validation issues). */
  errors?: unknown[];
}

/**
 * An error that knows its HTTP answer: status, stable `code` and whether its message may be shown
 * (`expose`, true for 4xx). The error middleware turns it into `application/problem+json`; any route
 * may throw one (or a subclass) with its own string `code`.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly expose: boolean;
  readonly headers: Record<string, string>;
  readonly errors: unknown[] | undefined;

  constructor(status: number, code: ApiErrorCode | (string & {}), message: string, options: ApiErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.expose = status < 500;
    this.headers = options.headers ?? {};
    this.errors = options.errors;
  }
}

/** 404 with code `NOT_FOUND`, e.g. `notFound('server')`. */
export function notFound(what: string): ApiError {
  return new ApiError(404, 'NOT_FOUND', `${what} not found`);
}
