import type { Migration } from '../migration.ts';
import { COMPACTION_LOCK } from '../sample-blocks.ts';

/**
 * `sample_blocks`: a read layout derived from `samples`, one row per series and closed 2-hour block
 * with its samples packed (`t`: big-endian int4 milliseconds since `block_start`, `v`: float8 bits,
 * so a stale marker keeps its NaN payload), oldest first. `samples` stays the source of truth.
 *
 * `sample_blocks_watermark` holds one row: blocks exist for every time below `upto` (-infinity until
 * the first compaction). Every write of samples calls `sample_blocks_write_bound()` in its
 * transaction: it takes the compaction lock shared (released at the end of the transaction) and
 * returns the watermark as of then, and the writer records the block of every sample below it in
 * `sample_blocks_dirty`. A compaction round first raises `building_upto` to the end of the span it
 * builds (under the lock taken exclusively, so every writer after it marks late samples of that
 * span dirty), then builds the span a range of series at a time, each range under the exclusive
 * lock, and last moves `upto`. So a block is never built from a snapshot that misses a sample not
 * marked dirty, and writers wait for one range of series at most, never for a whole span. Readers read the raw
 * rows of dirty blocks until compaction rebuilds them. (A transaction-level advisory lock rather
 * than a row lock: a row lock on every write would write WAL and share a multixact per write.)
 */
export const sampleBlocks: Migration = {
  name: '0005-sample-blocks',
  async up({ client }) {
    await client.query(`
      CREATE TABLE sample_blocks (
        series_id   bigint NOT NULL,
        block_start timestamptz NOT NULL,
        n           integer NOT NULL,
        t           bytea NOT NULL,
        v           bytea NOT NULL,
        PRIMARY KEY (series_id, block_start)
      ) WITH (toast_tuple_target = 8160);
      -- Rows stay in the heap up to a page and are never compressed: packed floats barely
      -- compress, and a read then costs neither a TOAST lookup nor a decompression.
      ALTER TABLE sample_blocks ALTER COLUMN t SET STORAGE EXTERNAL, ALTER COLUMN v SET STORAGE EXTERNAL;

      CREATE TABLE sample_blocks_watermark (
        id   boolean PRIMARY KEY DEFAULT true CHECK (id),
        upto timestamptz NOT NULL,
        -- The end of the span a compaction is building, series by series: writes below it are
        -- marked dirty too, so a block built before a late sample arrived is never trusted.
        building_upto timestamptz NOT NULL DEFAULT '-infinity'
      );
      INSERT INTO sample_blocks_watermark (upto) VALUES ('-infinity');

      -- VOLATILE: in READ COMMITTED the SELECT takes a snapshot after the lock is granted, so a
      -- writer that waited for a compaction reads the watermark that compaction committed.
      CREATE FUNCTION sample_blocks_write_bound() RETURNS timestamptz LANGUAGE plpgsql VOLATILE AS $fn$
      BEGIN
        PERFORM pg_advisory_xact_lock_shared(${COMPACTION_LOCK});
        RETURN (SELECT greatest(upto, building_upto) FROM sample_blocks_watermark);
      END
      $fn$;

      CREATE TABLE sample_blocks_dirty (
        series_id   bigint NOT NULL,
        block_start timestamptz NOT NULL,
        PRIMARY KEY (series_id, block_start)
      );
    `);
  },
};
