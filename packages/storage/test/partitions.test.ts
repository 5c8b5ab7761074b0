import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { listPartitions, migrate, openStorage, runMaintenance } from '../src/index.ts';
import type { Capabilities, Storage } from '../src/index.ts';
import { addServer, addSnapshots, series } from './snapshots.ts';

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
const plain = testBackends().filter((b) => !b.timescaledb);

describe.each(plain)('plain PostgreSQL partitions, rollup and retention on $name', (backend) => {
  let database: TestDatabase;
  let storage: Storage;
  let caps: Capabilities;
  let serverId: string;
  const maintain = (now: Date) => runMaintenance({ pool: storage.pool, caps, retention, log }, now);
  const rollups = async () =>
    (
      await storage.pool.query<{ bucket: Date; samples: string; cpu_usage_avg: number; cpu_usage_max: number }>(
        'SELECT bucket, samples, cpu_usage_avg, cpu_usage_max FROM metrics_snapshots_1h WHERE server_id = $1 ORDER BY bucket',
        [serverId],
      )
    ).rows.map((r) => ({ bucket: r.bucket.toISOString(), samples: Number(r.samples), avg: r.cpu_usage_avg, max: r.cpu_usage_max }));

  beforeAll(async () => {
    if (backend.skip) return;
    database = await backend.create();
    storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    caps = (await migrate({ pool: storage.pool, mode: 'off', retention, log })).caps;
    serverId = await addServer(storage.pool, 'web-1');
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  it('creates daily partitions over the retention window and ahead of time', async () => {
    const now = new Date('2026-03-10T12:10:00Z');
    const report = await maintain(now);
    expect(report.ran).toBe(true);
    const samples = await listPartitions(storage.pool, 'samples');
    expect(samples.length).toBeGreaterThanOrEqual(18);
    expect(samples.at(-1)!.upper.getTime()).toBeGreaterThanOrEqual(now.getTime() + 3 * DAY);
    expect(samples[0]!.upper.getTime()).toBeLessThanOrEqual(now.getTime() - 14 * DAY);
    const rollupPartitions = await listPartitions(storage.pool, 'metrics_snapshots_1h');
    expect(rollupPartitions.every((p) => p.upper.getUTCDate() === 1)).toBe(true);
    expect((await maintain(now)).created).toEqual([]);
  });

  it('rolls closed hours up, and recomputes them when late data arrives', async () => {
    // 10:00–10:55 every 5 min with cpu 0..55, 11:00–11:25 with cpu 60..85, 12:00 (open hour) with 90.
    await addSnapshots(storage.pool, serverId, series(new Date('2026-03-10T10:00:00Z'), 5, 18, (i) => i * 5));
    await addSnapshots(storage.pool, serverId, [[new Date('2026-03-10T12:00:00Z'), 90]]);
    await maintain(new Date('2026-03-10T12:10:00Z'));
    expect(await rollups()).toEqual([
      { bucket: '2026-03-10T10:00:00.000Z', samples: 12, avg: 27.5, max: 55 },
      { bucket: '2026-03-10T11:00:00.000Z', samples: 6, avg: 72.5, max: 85 },
    ]);

    await addSnapshots(storage.pool, serverId, [[new Date('2026-03-10T11:50:00Z'), 100]]);
    await maintain(new Date('2026-03-10T13:01:00Z'));
    expect(await rollups()).toEqual([
      { bucket: '2026-03-10T10:00:00.000Z', samples: 12, avg: 27.5, max: 55 },
      { bucket: '2026-03-10T11:00:00.000Z', samples: 7, avg: (60 + 65 + 70 + 75 + 80 + 85 + 100) / 7, max: 100 },
      { bucket: '2026-03-10T12:00:00.000Z', samples: 1, avg: 90, max: 90 },
    ]);
  });

  it('drops whole partitions past retention and keeps the rollups', async () => {
    const seriesId = (await storage.pool.query<{ id: string }>(`INSERT INTO series (metric_name, labels) VALUES ('node_load1', '{}') RETURNING id`))
      .rows[0]!.id;
    await storage.pool.query(`INSERT INTO samples (series_id, "time", value) VALUES ($1, '2026-03-10T10:00:00Z', 1), ($1, '2026-03-12T10:00:00Z', 2)`, [
      seriesId,
    ]);
    const count = async (sql: string) => Number((await storage.pool.query<{ n: string }>(sql)).rows[0]!.n);

    // 16 days on: the samples of 03-10 are past 15 days, the ones of 03-12 and all snapshots are kept.
    const afterSixteenDays = await maintain(new Date('2026-03-26T12:00:00Z'));
    expect(afterSixteenDays.dropped).toContain('samples_p20260310');
    expect(await count('SELECT count(*) AS n FROM samples')).toBe(1);
    expect(await count('SELECT count(*) AS n FROM metrics_snapshots')).toBe(20);

    // 31 days on: the snapshots of 03-10 expire; their hourly rollups stay.
    const afterMonth = await maintain(new Date('2026-04-10T12:00:00Z'));
    expect(afterMonth.dropped).toContain('metrics_snapshots_p20260310');
    expect(await count('SELECT count(*) AS n FROM metrics_snapshots')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM metrics_snapshots_1h')).toBe(3);

    // 401 days on: the rollups' monthly partition expires too.
    const afterYear = await maintain(new Date(Date.parse('2026-03-31T00:00:00Z') + 401 * DAY));
    expect(afterYear.dropped).toContain('metrics_snapshots_1h_p202603');
    expect(await count('SELECT count(*) AS n FROM metrics_snapshots_1h')).toBe(0);
  });
});

describe.each(plain)('partition bounds whatever the DateStyle on $name', (backend) => {
  it('never takes a December day for a June one', async () => {
    const database = await backend.create();
    const setup = await openStorage({ url: database.url, log, ...backend.poolLimits });
    const { caps } = await migrate({ pool: setup.pool, mode: 'off', retention, log });
    await setup.pool.query(`DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET DateStyle = %L', current_database(), 'SQL, DMY'); END $$`);
    await setup.close();
    const storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    try {
      // The database says DMY; Sextant's sessions start with ISO whatever it says (open-storage.ts).
      const defaults = await storage.pool.query<{ setconfig: string[] }>(`SELECT setconfig FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())`);
      expect(defaults.rows[0]!.setconfig).toContain('DateStyle=SQL, DMY');
      expect((await storage.pool.query<{ DateStyle: string }>('SHOW DateStyle')).rows[0]!.DateStyle).toMatch(/^ISO,/);
      const now = new Date('2026-12-06T12:00:00Z');
      const report = await runMaintenance({ pool: storage.pool, caps, retention, log }, now);
      expect(report.dropped).toEqual([]);
      const names = (await listPartitions(storage.pool, 'samples')).map((p) => p.name);
      expect(names).toContain('samples_p20261206');
      expect(names).toContain('samples_p20261209');
    } finally {
      await storage.close();
      await database.drop();
    }
  });
});
