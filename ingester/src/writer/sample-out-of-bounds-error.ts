/**
 * A batch holds samples the database cannot take: on plain PostgreSQL, times outside the daily
 * partitions kept (older than RETENTION_SAMPLES, or more than 3 days ahead). Never retryable: the
 * remote-write receiver answers 400 for it, as Prometheus answers 400 for out-of-bounds samples
 * and rolls the whole request back (compat §2.4, §2.5).
 */
export class SampleOutOfBoundsError extends Error {
  readonly code = 'SAMPLE_OUT_OF_BOUNDS';
  readonly retryable = false;
  /** How many samples of the batch were out of bounds. */
  readonly count: number;
  /** The first such sample's time, ms since the epoch. */
  readonly timestampMs: number;

  constructor(count: number, timestampMs: number, options: { cause?: unknown } = {}) {
    // Beyond ±8.64e15 ms (a garbled int64) Date cannot print it: toISOString would throw RangeError.
    const at = Number.isFinite(timestampMs) && Math.abs(timestampMs) <= 8.64e15 ? new Date(timestampMs).toISOString() : String(timestampMs);
    super(`${count} sample(s) outside the stored time range (first at ${at}); nothing of this batch was stored`, options);
    this.name = 'SampleOutOfBoundsError';
    this.count = count;
    this.timestampMs = timestampMs;
  }
}
