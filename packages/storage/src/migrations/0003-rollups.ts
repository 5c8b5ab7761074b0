import type { Migration } from '../migration.ts';
import { ROLLUP_COLUMNS, ROLLUP_SELECT } from './rollup-columns.ts';

/**
 * `metrics_snapshots_1h`: hourly rollups of snapshots. A continuous aggregate on TimescaleDB
 * (refreshed by its policy); on PostgreSQL a monthly-partitioned table filled by Sextant's rollup
 * job. Readers see the same columns either way.
 */
export const rollups: Migration = {
  name: '0003-rollups',
  // CREATE MATERIALIZED VIEW … WITH (timescaledb.continuous) cannot run inside a transaction.
  transaction: false,
  async up({ client, caps }) {
    if (caps.timescaledb) {
      await client.query(`
        CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_snapshots_1h WITH (timescaledb.continuous) AS
        SELECT server_id, time_bucket(INTERVAL '1 hour', "timestamp") AS bucket, ${ROLLUP_SELECT}
        FROM metrics_snapshots
        GROUP BY server_id, bucket
        WITH NO DATA
      `);
      await client.query(`
        SELECT add_continuous_aggregate_policy('metrics_snapshots_1h',
          start_offset => INTERVAL '3 hours', end_offset => INTERVAL '1 hour',
          schedule_interval => INTERVAL '30 minutes', if_not_exists => true)
      `);
      return;
    }
    const columns = ROLLUP_COLUMNS.map((c) => `${c} ${c === 'samples' ? 'bigint NOT NULL' : 'double precision'}`).join(',\n');
    // Runs outside a transaction (see above), so every statement must be safe to repeat after a crash.
    await client.query(`
      CREATE TABLE IF NOT EXISTS metrics_snapshots_1h (
        server_id uuid NOT NULL,
        bucket    timestamptz NOT NULL,
        ${columns},
        PRIMARY KEY (server_id, bucket)
      ) PARTITION BY RANGE (bucket);
      CREATE TABLE IF NOT EXISTS sextant_rollup_state (
        name      text PRIMARY KEY,
        watermark timestamptz NOT NULL
      );
    `);
  },
};
