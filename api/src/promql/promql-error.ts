/** Prometheus API error types this engine raises (compat §4.1): 400 `bad_data`, 422 `execution`, 503 `timeout`. */
export type PromqlErrorCode = 'bad_data' | 'execution' | 'timeout' | 'unavailable';

/** A query that cannot be parsed (`bad_data`), cannot be executed (`execution`) or ran out of time. */
export class PromqlError extends Error {
  readonly code: PromqlErrorCode;
  constructor(code: PromqlErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PromqlError';
    this.code = code;
  }
}

export const badData = (message: string): PromqlError => new PromqlError('bad_data', message);
export const execution = (message: string): PromqlError => new PromqlError('execution', message);
