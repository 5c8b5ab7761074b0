// What every ingest path (scrape, remote-write, replay of the on-disk buffer) hands to the writer.

/** Label name → value, `__name__` included; no empty values (an empty value means the label is absent). */
export type Labels = Record<string, string>;

/** One sample: milliseconds since the epoch and the value (a stale marker is the NaN in `STALE_NAN_BITS`). */
export interface Sample {
  timestampMs: number;
  value: number;
  /** True for a stale marker. JS may quieten a NaN's payload when it passes through an array, so
   * producers say so here; the writer stores `STALE_NAN_BITS` for it whatever `value` holds. */
  stale?: boolean;
}

/** The samples of one series, oldest first. */
export interface SeriesSamples {
  labels: Labels;
  samples: Sample[];
  /** Optional hash of `labels` from the producer (the remote-write receiver hashes the series' label
   * bytes): the same label set sent the same way gets the same hash. The writer looks it up first and
   * checks the labels on a hit, so a collision costs a lookup, never a wrong series. */
  labelsHash?: number;
}

/** HELP/TYPE/UNIT of a metric family, from a scrape or remote-write metadata. */
export interface MetricMetadata {
  family: string;
  type: string;
  help: string;
  unit: string;
}

/** A unit of ingestion: written in one transaction, acknowledged only after it commits. */
export interface WriteBatch {
  series: SeriesSamples[];
  metadata?: MetricMetadata[];
  /** Samples the database has no room for (plain PostgreSQL: outside the partitions kept, i.e. older
   * than RETENTION_SAMPLES or more than 3 days ahead). `reject` (default) stores nothing of the batch
   * and throws `SampleOutOfBoundsError`; `drop` stores the rest and counts them in `outOfBounds`. */
  onOutOfBounds?: 'reject' | 'drop';
}

/** What a committed write did. `duplicates` are samples already stored (a retried batch): not stored again. */
export interface WriteResult {
  samples: number;
  duplicates: number;
  newSeries: number;
  metadata: number;
  /** Samples dropped because they were out of bounds (only with `onOutOfBounds: 'drop'`). */
  outOfBounds?: number;
}

/** Stores batches durably and idempotently; resolves only after COMMIT, throws a `StorageError` otherwise. */
export interface Writer {
  write(batch: WriteBatch): Promise<WriteResult>;
  close(): Promise<void>;
}

/** Prometheus's stale marker: a NaN with this exact bit pattern (compat §2.6); kept bit for bit. */
export const STALE_NAN_BITS = 0x7ff0000000000002n;
