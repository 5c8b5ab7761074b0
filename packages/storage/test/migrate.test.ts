import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '@sextant/log';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { migrate, openStorage, runMaintenance } from '../src/index.ts';
import type { MigrateResult, Storage } from '../src/index.ts';
import { ROLLUP_COLUMNS } from '../src/migrations/rollup-columns.ts';
import { schemaFingerprint } from './schema-fingerprint.ts';

const log = createLogger({ level: 'silent' });
const retention = { samplesMs: 15 * 86_400_000, snapshotsMs: 30 * 86_400_000, rollupsMs: 400 * 86_400_000 };

// The tables of the storage contract (ARCHITECTURE.md), plus the hourly rollup readers use.
const CONTRACT_RELATIONS = [
  'servers',
  'metrics_snapshots',
  'series',
  'samples',
  'alerts',
  'alert_rules',
  'users',
  'refresh_tokens',
  'api_tokens',
  'metrics_snapshots_1h',
];

describe.each(testBackends())('migrations on $name', (backend) => {
  let database: TestDatabase;
  let storage: Storage;
  let first: MigrateResult;

  beforeAll(async () => {
    database = await backend.create();
    storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    first = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    // What `sextant up` does next: on plain PostgreSQL this creates today's partitions.
    await runMaintenance({ pool: storage.pool, caps: first.caps, retention, log });
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  it('takes the path this backend calls for', () => {
    expect(first.caps.timescaledb).toBe(backend.timescaledb);
    expect(first.applied).toEqual(['0001-core', '0002-timeseries', '0003-rollups', '0004-alerting', '0005-sample-blocks', '0006-login-attempts']);
  });

  it('creates every contract table', async () => {
    const found = await storage.pool.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relname = ANY($1)`,
      [CONTRACT_RELATIONS],
    );
    expect(found.rows.map((r) => r.relname).sort()).toEqual([...CONTRACT_RELATIONS].sort());
  });

  it('enforces the unique keys that make writes idempotent', async () => {
    const series = await storage.pool.query<{ id: string }>(
      `INSERT INTO series (metric_name, labels) VALUES ('up', '{"job":"node"}') RETURNING id`,
    );
    const id = series.rows[0]!.id;
    const insert = `INSERT INTO samples (series_id, "time", value) VALUES ($1, now() - interval '1 minute', 1), ($1, now(), 2)
                    ON CONFLICT (series_id, "time") DO NOTHING`;
    const at = new Date();
    await storage.pool.query(insert.replaceAll('now()', '$2::timestamptz'), [id, at]);
    await storage.pool.query(insert.replaceAll('now()', '$2::timestamptz'), [id, at]);
    const count = await storage.pool.query<{ n: string }>('SELECT count(*) AS n FROM samples WHERE series_id = $1', [id]);
    expect(Number(count.rows[0]!.n)).toBe(2);
    await expect(storage.pool.query(`INSERT INTO series (metric_name, labels) VALUES ('up', '{"job":"node"}')`)).rejects.toMatchObject({
      code: '23505',
    });
  });

  it('changes nothing when run again', async () => {
    const before = await schemaFingerprint(storage.pool, backend.timescaledb);
    const again = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    expect(again.applied).toEqual([]);
    expect(again.caps).toEqual(first.caps);
    expect(await schemaFingerprint(storage.pool, backend.timescaledb)).toEqual(before);
  });

  it('answers typed queries through the slonik pool', async () => {
    const db = await storage.typed();
    const row = await db.one(sql.type(z.object({ servers: z.number(), mode: z.string() }))`
      SELECT (SELECT count(*)::int FROM servers) AS servers, (SELECT value FROM sextant_meta WHERE key = 'storage_mode') AS mode`);
    expect(row).toEqual({ servers: 0, mode: backend.timescaledb ? 'timescaledb' : 'postgres' });
  });

  it('buckets time the same way on every path', async () => {
    const result = await storage.pool.query<{ b: Date; m: Date }>(
      `SELECT sextant_bucket(INTERVAL '1 hour', TIMESTAMPTZ '2026-03-04 05:43:21+00') AS b,
              sextant_bucket(INTERVAL '5 minutes', TIMESTAMPTZ '2026-03-04 05:43:21+00') AS m`,
    );
    expect(result.rows[0]!.b.toISOString()).toBe('2026-03-04T05:00:00.000Z');
    expect(result.rows[0]!.m.toISOString()).toBe('2026-03-04T05:40:00.000Z');
    // Widths where the origin shows: time_bucket's weeks start on Monday 2000-01-03.
    const wide = await storage.pool.query<{ d: Date; w: Date }>(
      `SELECT sextant_bucket(INTERVAL '1 day', TIMESTAMPTZ '2026-03-04 05:43:21+00') AS d,
              sextant_bucket(INTERVAL '7 days', TIMESTAMPTZ '2026-03-04 05:43:21+00') AS w`,
    );
    expect(wide.rows[0]!.d.toISOString()).toBe('2026-03-04T00:00:00.000Z');
    expect(wide.rows[0]!.w.toISOString()).toBe('2026-03-02T00:00:00.000Z');
  });
});

describe.each(testBackends())('hourly rollup shape on $name', (backend) => {
  it('has the same columns on every path', async () => {
    const database = await backend.create();
    const storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    try {
      await migrate({ pool: storage.pool, mode: 'auto', retention, log });
      const columns = await storage.pool.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'metrics_snapshots_1h' ORDER BY ordinal_position`,
      );
      expect(columns.rows.map((c) => c.column_name)).toEqual(['server_id', 'bucket', ...ROLLUP_COLUMNS]);
      expect(columns.rows.find((c) => c.column_name === 'cpu_usage_avg')?.data_type).toBe('double precision');
    } finally {
      await storage.close();
      await database.drop();
    }
  });
});

describe.each(testBackends().filter((b) => !b.timescaledb))('storage mode on $name', (backend) => {
  it('refuses SEXTANT_TIMESCALEDB=require on a database set up without TimescaleDB', async () => {
    const database = await backend.create();
    const storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    try {
      await migrate({ pool: storage.pool, mode: 'auto', retention, log });
      await expect(migrate({ pool: storage.pool, mode: 'require', retention, log })).rejects.toMatchObject({ code: 'STORAGE_TIMESCALEDB_MISSING' });
      // The failed run left the pool usable and the lock free.
      expect((await migrate({ pool: storage.pool, mode: 'auto', retention, log })).applied).toEqual([]);
    } finally {
      await storage.close();
      await database.drop();
    }
  });

  it('lets several processes migrate one database at once', async () => {
    const database = await backend.create();
    const pools = await Promise.all([1, 2, 3].map(() => openStorage({ url: database.url, log, ...backend.poolLimits })));
    try {
      const results = await Promise.all(pools.map((s) => migrate({ pool: s.pool, mode: 'auto', retention, log })));
      expect(results.flatMap((r) => r.applied).sort()).toEqual(['0001-core', '0002-timeseries', '0003-rollups', '0004-alerting', '0005-sample-blocks', '0006-login-attempts']);
    } finally {
      await Promise.all(pools.map((s) => s.close()));
      await database.drop();
    }
  });
});
