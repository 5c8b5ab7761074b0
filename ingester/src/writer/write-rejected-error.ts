/**
 * PostgreSQL refused the batch's data itself (SQLSTATE class 22, e.g. a NUL byte in a label value):
 * retrying cannot help, so the remote-write receiver answers 400. Nothing of the batch was stored.
 */
export class WriteRejectedError extends Error {
  readonly code = 'WRITE_REJECTED';
  readonly retryable = false;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'WriteRejectedError';
  }
}
