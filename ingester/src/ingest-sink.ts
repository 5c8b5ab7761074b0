import { StorageError } from '@sextant/storage';
import type { SnapshotDeriver } from './snapshots/snapshot-deriver.ts';
import type { WriteBatch, Writer, WriteResult } from './write-batch.ts';

/** Where a batch came from: our own scrape loop, or a sender's remote-write request. */
export type IngestOrigin = 'scrape' | 'remote-write';

/**
 * What every ingest path calls: stores the batch (resolving only after COMMIT) and derives its
 * snapshots; throws a retryable `StorageError` while PostgreSQL is unreachable. Idempotent: calling
 * it again with the same batch stores nothing twice. `origin` defaults to `remote-write`.
 */
export type IngestSink = (batch: WriteBatch, origin?: IngestOrigin) => Promise<WriteResult>;

// Codes of the errors a sink throws when PostgreSQL refuses the data itself: retrying cannot help.
const REFUSED = new Set(['SAMPLE_OUT_OF_BOUNDS', 'WRITE_REJECTED', 'SNAPSHOT_REJECTED']);

/** Whether a sink's error means the batch was refused for its data (not that storage was away). */
export function refusedForData(err: unknown): boolean {
  return REFUSED.has(String((err as { code?: unknown }).code));
}

/** PostgreSQL refused the derived snapshot rows themselves (SQLSTATE class 22/23): retrying cannot help. */
export class SnapshotRejectedError extends Error {
  readonly code = 'SNAPSHOT_REJECTED';
  readonly retryable = false;
}

/**
 * The composed sink: `writer.write(batch)`, then the snapshots of the batch. A failure of the second
 * step is reported as a retryable `StorageError` (unless the data is refused), so the caller retries
 * the whole batch; the writer makes that a no-op for the samples already committed.
 */
export function createIngestSink(options: { writer: Writer; snapshots: SnapshotDeriver }): IngestSink {
  return async (batch, origin = 'remote-write') => {
    const result = await options.writer.write(batch);
    try {
      await options.snapshots.derive(batch, origin);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && /^2[23]/.test(code)) throw new SnapshotRejectedError(`snapshot rows refused: ${(err as Error).message}`, { cause: err });
      throw new StorageError('STORAGE_UNAVAILABLE', `deriving snapshots failed: ${(err as Error).message}`, { cause: err, retryable: true });
    }
    return result;
  };
}
