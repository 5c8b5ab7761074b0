import type pg from 'pg';
import type { Logger } from '@sextant/log';
import { isRetryable, StorageError } from '@sextant/storage';
import type { WriteBatch, Writer, WriteResult } from '../write-batch.ts';
import { STALE_NAN_BITS } from '../write-batch.ts';
import { changedMetadata, metadataFingerprint, upsertMetadata } from './metadata-upsert.ts';
import { SampleColumns } from './sample-columns.ts';
import { SampleOutOfBoundsError } from './sample-out-of-bounds-error.ts';
import { SampleWindow } from './sample-window.ts';
import { SeriesResolver } from './series-resolver.ts';
import { WriteRejectedError } from './write-rejected-error.ts';

export interface WriterOptions {
  /** The bulk-write pool (`Storage.pool`); the writer never ends it. */
  pool: pg.Pool;
  log: Logger;
  /** Rows per INSERT statement inside one batch's transaction; default 50 000. */
  maxRowsPerStatement?: number;
  /** Series ids kept in memory before the cache starts over; default 2 000 000. */
  maxCachedSeries?: number;
  /** How stale `series.last_seen_at` may get before a write moves it; default 10 minutes. */
  lastSeenIntervalMs?: number;
}

// A sample below the `sample_blocks` watermark lands in a block that compaction has built already:
// its block is marked dirty, so readers read that block's raw rows until compaction rebuilds it.
// sample_blocks_write_bound() holds compaction off until this transaction ends and returns the
// watermark as of then (see 0005-sample-blocks.ts). $4, the batch's earliest time, spares the
// per-row check when the whole batch is above the watermark (the usual case).
const MARK_DIRTY = `
  watermark AS MATERIALIZED (SELECT sample_blocks_write_bound() AS upto),
  dirty AS (
    INSERT INTO sample_blocks_dirty (series_id, block_start)
    SELECT DISTINCT u.s, date_bin(INTERVAL '2 hours', u.t, TIMESTAMPTZ 'epoch')
      FROM unnest($1::int8[], $2::timestamptz[]) AS u(s, t)
     WHERE $4::timestamptz < (SELECT upto FROM watermark) AND u.t < (SELECT upto FROM watermark)
    ON CONFLICT DO NOTHING)`;

// Binary array parameters keep every float8 bit (see sample-columns.ts). ON CONFLICT DO NOTHING on
// the unique (series_id, time) makes a retried batch a no-op: the first value stored wins.
// The three unnest() in the select list run in lockstep (the arrays have one length) and stream
// their rows; unnest(a, b, c) in FROM would first copy them all into a tuplestore (~15 % more
// PostgreSQL CPU per row, measured on 2000-row batches).
const ROWS = `SELECT unnest($1::int8[]), unnest($2::timestamptz[]), unnest($3::float8[])`;
const INSERT_SAMPLES = `
  WITH ${MARK_DIRTY}
  INSERT INTO samples (series_id, "time", value)
  ${ROWS}
  ON CONFLICT (series_id, "time") DO NOTHING`;

// The same without the conflict check, which costs a second index lookup per row: tried first for
// a one-statement batch, and on a unique violation (a retried batch) the statement above runs instead.
const INSERT_NEW_SAMPLES = `
  WITH ${MARK_DIRTY}
  INSERT INTO samples (series_id, "time", value)
  ${ROWS}`;
const UNIQUE_VIOLATION = '23505';

const staleView = new DataView(new ArrayBuffer(8));

/** Whether `value` carries the stale marker's exact bits. */
function hasStaleBits(value: number): boolean {
  if (!Number.isNaN(value)) return false;
  staleView.setFloat64(0, value);
  return staleView.getBigUint64(0) === STALE_NAN_BITS;
}

// Positions of `ids` in ascending id order, so rows go in (series_id, time) order and a batch touches
// neighbouring index pages. Sorting id·2^20 + position as numbers avoids a comparator call per step.
function seriesOrder(ids: readonly number[]): ArrayLike<number> & Iterable<number> {
  const byComparator = () => ids.map((_, i) => i).sort((a, b) => ids[a]! - ids[b]!);
  if (ids.length >= 1 << 20) return byComparator();
  const keys = new Float64Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id >= 2 ** 32) return byComparator(); // id·2^20 + position would no longer be exact
    keys[i] = id * 1_048_576 + i;
  }
  keys.sort();
  const order = new Uint32Array(ids.length);
  for (let i = 0; i < keys.length; i++) order[i] = keys[i]! % 1_048_576;
  return order;
}

/** Turns what `pg` threw into the writer's typed errors. */
function translate(err: unknown, window: SampleWindow): Error {
  if (err instanceof SampleOutOfBoundsError || err instanceof StorageError) return err;
  const code = (err as { code?: unknown }).code;
  if (code === '23514') {
    window.invalidate(); // a partition went away between the check and the insert
    return new SampleOutOfBoundsError(Number.NaN, Number.NaN, { cause: err });
  }
  if (typeof code === 'string' && code.startsWith('22')) return new WriteRejectedError(`PostgreSQL refused the data: ${(err as Error).message}`, { cause: err });
  return new StorageError('STORAGE_UNAVAILABLE', `writing samples failed: ${(err as Error).message}`, { cause: err, retryable: isRetryable(err) });
}

/**
 * The batched, idempotent writer every ingest path uses: series resolved through an in-memory cache
 * (new ones created in one statement), samples inserted as binary arrays, metadata upserted, all of a
 * batch's samples and metadata in one transaction. `write` resolves only after COMMIT.
 */
export function createWriter(options: WriterOptions): Writer {
  const { pool } = options;
  const log = options.log.child({ module: 'writer' });
  const maxRows = options.maxRowsPerStatement ?? 50_000;
  const resolver = new SeriesResolver({ pool, maxEntries: options.maxCachedSeries, lastSeenIntervalMs: options.lastSeenIntervalMs });
  const window = new SampleWindow(pool);
  const knownMetadata = new Map<string, string>();
  let closed = false;

  async function write(batch: WriteBatch): Promise<WriteResult> {
    if (closed) throw new StorageError('STORAGE_UNAVAILABLE', 'the writer is closed', { retryable: true });
    const withSamples = batch.series.filter((s) => s.samples.length > 0);
    let total = 0;
    for (const s of withSamples) total += s.samples.length;
    const metadata = batch.metadata ?? [];
    if (total === 0 && metadata.length === 0) return { samples: 0, duplicates: 0, newSeries: 0, metadata: 0, outOfBounds: 0 };
    try {
      let minMs = Number.POSITIVE_INFINITY;
      let maxMs = Number.NEGATIVE_INFINITY;
      for (const s of withSamples) {
        for (const sample of s.samples) {
          const t = sample.timestampMs;
          if (t < minMs) minMs = t;
          if (t > maxMs) maxMs = t;
          // A NaN time fails both tests above; an infinite bound makes `check` test every sample.
          if (Number.isNaN(t)) minMs = Number.NEGATIVE_INFINITY;
        }
      }
      const fits = await window.check(minMs, maxMs);
      let outOfBounds = 0;
      let firstOut = Number.NaN;
      if (fits !== null) {
        for (const s of withSamples) {
          for (const sample of s.samples) {
            if (fits(sample.timestampMs)) continue;
            if (outOfBounds++ === 0) firstOut = sample.timestampMs;
          }
        }
      }
      if (outOfBounds > 0 && (batch.onOutOfBounds ?? 'reject') === 'reject') throw new SampleOutOfBoundsError(outOfBounds, firstOut);
      const nowMs = Date.now();
      const { ids, created, seen } = await resolver.resolve(withSamples, nowMs);
      const columns = new SampleColumns(total - outOfBounds);
      for (const i of seriesOrder(ids)) {
        const id = ids[i]!;
        for (const sample of withSamples[i]!.samples) {
          if (fits !== null && !fits(sample.timestampMs)) continue;
          columns.push(id, sample.timestampMs, sample.value, sample.stale === true || hasStaleBits(sample.value));
        }
      }
      const changed = changedMetadata(knownMetadata, metadata);
      // A lower bound of the batch's times for MARK_DIRTY; -infinity when it has none a Date can hold.
      const earliest = Math.abs(minMs) <= 8.64e15 ? new Date(minMs).toISOString() : '-infinity';
      let inserted = 0;
      if (changed.length === 0 && columns.length <= maxRows) {
        // One statement is its own transaction: no BEGIN/COMMIT round trips for the usual batch.
        if (columns.length > 0) {
          const params = [...columns.slice(0, columns.length), earliest];
          inserted = await pool.query(INSERT_NEW_SAMPLES, params).then(
            (result) => result.rowCount ?? 0,
            async (err: unknown) => {
              if ((err as { code?: unknown }).code !== UNIQUE_VIOLATION) throw err;
              return (await pool.query(INSERT_SAMPLES, params)).rowCount ?? 0;
            },
          );
        }
      } else {
        inserted = await transaction(async (client) => {
          let rows = 0;
          for (let from = 0; from < columns.length; from += maxRows) {
            const result = await client.query(INSERT_SAMPLES, [...columns.slice(from, Math.min(columns.length, from + maxRows)), earliest]);
            rows += result.rowCount ?? 0;
          }
          await upsertMetadata(client, changed);
          return rows;
        });
        for (const m of changed) knownMetadata.set(m.family, metadataFingerprint(m));
      }
      // Best effort and outside the batch's transaction: last_seen_at is a hint, not data.
      await resolver.touch(seen).catch((err: unknown) => log.warn({ err }, 'updating series.last_seen_at failed'));
      return {
        samples: inserted,
        duplicates: columns.length - inserted,
        newSeries: created,
        metadata: metadata.length,
        outOfBounds,
      };
    } catch (err) {
      throw translate(err, window);
    }
  }

  async function transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      // A failed ROLLBACK means the connection is broken: release it as such so the pool drops it.
      const broken = await client.query('ROLLBACK').then(
        () => undefined,
        (rollbackErr: unknown) => rollbackErr as Error,
      );
      client.release(broken ?? (isRetryable(err) ? (err as Error) : undefined));
      throw err;
    }
  }

  return {
    write,
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
}
