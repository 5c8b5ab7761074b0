import type { Migration } from '../migration.ts';

/**
 * `sample_blocks`: a read layout derived from `samples`, one row per series and closed 2-hour block
 * with its samples packed (`t`: big-endian int4 milliseconds since `block_start`, `v`: float8 bits,
 * so a stale marker keeps its NaN payload), oldest first. `samples` stays the source of truth.
 *
 * `sample_blocks_watermark` holds one row: blocks exist for every time below `upto` (-infinity until
 * the first compaction). A writer that stores a sample below it, in the same transaction, takes the
 * row FOR SHARE and records the sample's block in `sample_blocks_dirty`; compaction takes the row FOR
 * UPDATE, so a block is never built from a snapshot that misses a sample it does not know about.
 * Readers read the raw rows of dirty blocks until compaction rebuilds them.
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
        upto timestamptz NOT NULL
      );
      INSERT INTO sample_blocks_watermark (upto) VALUES ('-infinity');

      CREATE TABLE sample_blocks_dirty (
        series_id   bigint NOT NULL,
        block_start timestamptz NOT NULL,
        PRIMARY KEY (series_id, block_start)
      );
    `);
  },
};
