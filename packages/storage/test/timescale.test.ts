import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { migrate, openStorage } from '../src/index.ts';
import type { Storage } from '../src/index.ts';
import { addServer, addSnapshots, series } from './snapshots.ts';

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const HOUR = 3_600_000;
const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
const timescale = testBackends().filter((b) => b.timescaledb);

describe.each(timescale)('TimescaleDB features on $name', (backend) => {
  let database: TestDatabase;
  let storage: Storage;
  let serverId: string;
  const job = async (proc: string, relation: string) => {
    const result = await storage.pool.query<{ job_id: number }>(
      `SELECT j.job_id FROM timescaledb_information.jobs j
         LEFT JOIN timescaledb_information.continuous_aggregates ca ON ca.materialization_hypertable_name = j.hypertable_name
        WHERE j.proc_name = $1 AND coalesce(ca.view_name, j.hypertable_name) = $2`,
      [proc, relation],
    );
    expect(result.rows, `${proc} on ${relation}`).toHaveLength(1);
    return result.rows[0]!.job_id;
  };
  const runJob = async (id: number) => {
    await storage.pool.query(`CALL run_job(${Number(id)})`);
  };

  beforeAll(async () => {
    database = await backend.create();
    storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    const { caps } = await migrate({ pool: storage.pool, mode: 'require', retention, log });
    expect(caps.timescaledb).toBe(true);
    serverId = await addServer(storage.pool, 'db-1');
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  it('makes samples and snapshots hypertables with compression segmented by series and server', async () => {
    const hypertables = await storage.pool.query<{ hypertable_name: string; compression_enabled: boolean }>(
      `SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables WHERE hypertable_schema = 'public' ORDER BY 1`,
    );
    expect(hypertables.rows).toEqual([
      { hypertable_name: 'metrics_snapshots', compression_enabled: true },
      { hypertable_name: 'samples', compression_enabled: true },
    ]);
    const segmentBy = await storage.pool.query<{ hypertable_name: string; attname: string }>(
      `SELECT hypertable_name, attname FROM timescaledb_information.compression_settings WHERE segmentby_column_index IS NOT NULL ORDER BY 1`,
    );
    expect(segmentBy.rows).toEqual([
      { hypertable_name: 'metrics_snapshots', attname: 'server_id' },
      { hypertable_name: 'samples', attname: 'series_id' },
    ]);
  });

  it('has the hourly continuous aggregate and the configured policies', async () => {
    const caggs = await storage.pool.query(`SELECT view_name FROM timescaledb_information.continuous_aggregates`);
    expect(caggs.rows).toEqual([{ view_name: 'metrics_snapshots_1h' }]);
    const retentionOf = async (relation: string) => {
      const id = await job('policy_retention', relation);
      const config = await storage.pool.query<{ drop_after: string }>(`SELECT config->>'drop_after' AS drop_after FROM timescaledb_information.jobs WHERE job_id = $1`, [id]);
      return config.rows[0]!.drop_after;
    };
    expect(await retentionOf('samples')).toBe('15 days');
    expect(await retentionOf('metrics_snapshots')).toBe('30 days');
    expect(await retentionOf('metrics_snapshots_1h')).toBe('400 days');
    await job('policy_compression', 'samples');
    await job('policy_refresh_continuous_aggregate', 'metrics_snapshots_1h');
  });

  it('rolls snapshots up when the refresh policy runs', async () => {
    const refresh = await job('policy_refresh_continuous_aggregate', 'metrics_snapshots_1h');
    // The policy refreshes the one whole hour in [now - 3h, now - 1h] of the moment it runs: two hours
    // before the hour the test read the clock in, unless that hour ended first. Then the job read
    // another window: start over once, on a server of its own, in the new hour.
    for (let attempt = 0; attempt < 2; attempt++) {
      const hour = Math.floor(Date.now() / HOUR) * HOUR;
      const bucket = new Date(hour - 2 * HOUR);
      const server = await addServer(storage.pool, `rollup-${attempt}`);
      await addSnapshots(storage.pool, server, series(bucket, 10, 6, (i) => 10 + i * 10));
      await runJob(refresh);
      if (Math.floor(Date.now() / HOUR) * HOUR !== hour) {
        await storage.pool.query('DELETE FROM metrics_snapshots WHERE server_id = $1', [server]);
        continue;
      }
      const rows = await storage.pool.query<{ bucket: Date; samples: string; cpu_usage_avg: number; cpu_usage_max: number }>(
        'SELECT bucket, samples, cpu_usage_avg, cpu_usage_max FROM metrics_snapshots_1h WHERE server_id = $1',
        [server],
      );
      expect(rows.rows.map((r) => ({ ...r, samples: Number(r.samples) }))).toEqual([
        { bucket, samples: 6, cpu_usage_avg: 35, cpu_usage_max: 60 },
      ]);
      return;
    }
    expect.unreachable('the hour ended while the refresh policy ran, twice');
  });

  it('compresses old sample chunks and still reads them', async () => {
    const seriesId = (await storage.pool.query<{ id: string }>(`INSERT INTO series (metric_name, labels) VALUES ('node_load1', '{}') RETURNING id`)).rows[0]!.id;
    await storage.pool.query(
      `INSERT INTO samples (series_id, "time", value)
       SELECT $1, t, extract(epoch FROM t) FROM generate_series(now() - interval '5 days', now() - interval '4 days', interval '10 minutes') t`,
      [seriesId],
    );
    const read = async () =>
      (await storage.pool.query<{ v: number[] }>('SELECT array_agg(value ORDER BY "time") AS v FROM samples WHERE series_id = $1', [seriesId])).rows[0]!.v;
    const before = await read();
    expect(before).toHaveLength(145);
    await runJob(await job('policy_compression', 'samples'));
    const compressed = await storage.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'samples' AND is_compressed`,
    );
    expect(Number(compressed.rows[0]!.n)).toBeGreaterThan(0);
    expect(await read()).toEqual(before);
  });

  it('expires raw snapshots past retention when the retention policy runs', async () => {
    await addSnapshots(storage.pool, serverId, series(new Date(Date.now() - 40 * DAY), 60, 3, () => 50));
    const count = async () => Number((await storage.pool.query<{ n: string }>('SELECT count(*) AS n FROM metrics_snapshots')).rows[0]!.n);
    expect(await count()).toBe(9);
    await runJob(await job('policy_retention', 'metrics_snapshots'));
    expect(await count()).toBe(6);
  });

  it('follows a retention change on the next migrate', async () => {
    await migrate({ pool: storage.pool, mode: 'require', retention: { ...retention, samplesMs: 7 * DAY }, log });
    const id = await job('policy_retention', 'samples');
    const config = await storage.pool.query<{ drop_after: string }>(`SELECT config->>'drop_after' AS drop_after FROM timescaledb_information.jobs WHERE job_id = $1`, [id]);
    expect(config.rows[0]!.drop_after).toBe('7 days');
  });
});
