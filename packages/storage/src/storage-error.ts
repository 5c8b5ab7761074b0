/** Stable codes for storage failures; callers branch on `code`, never on messages. */
export type StorageErrorCode =
  | 'STORAGE_UNAVAILABLE'
  | 'STORAGE_MIGRATION_FAILED'
  | 'STORAGE_TIMESCALEDB_MISSING'
  | 'STORAGE_EMBEDDED_FAILED';

/** Error raised by the storage layer, with the PostgreSQL error (if any) as `cause`. */
export class StorageError extends Error {
  readonly code: StorageErrorCode;
  /** True when retrying later may succeed (connection refused, server shutting down, …). */
  readonly retryable: boolean;

  constructor(code: StorageErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'StorageError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

// SQLSTATE classes that mean "the server is not reachable or not accepting work right now".
const RETRYABLE_SQLSTATE = /^(08|53|57P0[1-3]|40001|40P01)/;
const RETRYABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

/** Whether an error from `pg` is worth retrying (connection trouble, overload, serialization). */
export function isRetryable(err: unknown): boolean {
  if (err instanceof StorageError) return err.retryable;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return RETRYABLE_SQLSTATE.test(code) || RETRYABLE_ERRNO.has(code);
}
