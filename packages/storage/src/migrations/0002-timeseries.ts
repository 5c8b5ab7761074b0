import type { Migration } from '../migration.ts';

/**
 * Time-series tables: `samples` (one row per series and timestamp) and `metrics_snapshots` (one row
 * per server per scrape). Hypertables with compression on TimescaleDB; daily range partitions on
 * PostgreSQL, created ahead of time by maintenance.
 */
export const timeseries: Migration = {
  name: '0002-timeseries',
  async up({ client, caps }) {
    const partitioned = caps.timescaledb ? '' : 'PARTITION BY RANGE';
    await client.query(`
      CREATE TABLE samples (
        series_id bigint NOT NULL,
        "time"    timestamptz NOT NULL,
        value     double precision NOT NULL,
        UNIQUE (series_id, "time")
      ) ${partitioned && `${partitioned} ("time")`};

      CREATE TABLE metrics_snapshots (
        server_id          uuid NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
        "timestamp"        timestamptz NOT NULL,
        cpu_usage          double precision,
        memory_usage       double precision,
        disk_usage         double precision,
        load1              double precision,
        load5              double precision,
        load15             double precision,
        memory_used_bytes  double precision,
        memory_total_bytes double precision,
        disk_used_bytes    double precision,
        disk_total_bytes   double precision,
        net_rx_bps         double precision,
        net_tx_bps         double precision,
        uptime_seconds     double precision,
        UNIQUE (server_id, "timestamp")
      ) ${partitioned && `${partitioned} ("timestamp")`};
      CREATE INDEX metrics_snapshots_time_idx ON metrics_snapshots ("timestamp" DESC);
    `);
    if (!caps.timescaledb) return;
    await client.query(`
      SELECT create_hypertable('samples', 'time', chunk_time_interval => INTERVAL '1 day');
      ALTER TABLE samples SET (timescaledb.compress, timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = '"time"');
      SELECT add_compression_policy('samples', INTERVAL '2 days');

      SELECT create_hypertable('metrics_snapshots', 'timestamp', chunk_time_interval => INTERVAL '1 day');
      ALTER TABLE metrics_snapshots SET (timescaledb.compress, timescaledb.compress_segmentby = 'server_id', timescaledb.compress_orderby = '"timestamp"');
      SELECT add_compression_policy('metrics_snapshots', INTERVAL '7 days');
    `);
  },
};
