import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { freePort, isRetryable, migrate, openStorage, runMaintenance, StorageError } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { createWriter, SampleOutOfBoundsError, STALE_NAN_BITS } from '../src/index.ts';
import type { SeriesSamples, Writer } from '../src/index.ts';
import { SeriesResolver } from '../src/writer/series-resolver.ts';

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };

function staleValue(): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, STALE_NAN_BITS);
  return view.getFloat64(0);
}

function gauge(name: string, labels: Record<string, string>, values: [number, number][]): SeriesSamples {
  return { labels: { __name__: name, ...labels }, samples: values.map(([timestampMs, value]) => ({ timestampMs, value })) };
}

describe.each(testBackends())('writer on $name', (backend) => {
  let database: TestDatabase;
  let storage: Storage;
  let writer: Writer;
  const now = Math.floor(Date.now() / 1000) * 1000;

  const count = async (sql: string, params: unknown[] = []) => Number((await storage.pool.query<{ n: string }>(sql, params)).rows[0]!.n);
  const bitsOf = async (name: string, job: string) =>
    (
      await storage.pool.query<{ bits: string }>(
        `SELECT encode(float8send(value), 'hex') AS bits FROM samples JOIN series ON series.id = samples.series_id
          WHERE metric_name = $1 AND labels->>'job' = $2 ORDER BY "time"`,
        [name, job],
      )
    ).rows.map((r) => r.bits);

  beforeAll(async () => {
    database = await backend.create();
    storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    expect(caps.timescaledb).toBe(backend.timescaledb);
    await runMaintenance({ pool: storage.pool, caps, retention, log });
    writer = createWriter({ pool: storage.pool, log });
  });

  afterAll(async () => {
    await writer?.close();
    await storage?.close();
    await database?.drop();
  });

  it('creates series once and stores every sample, with __name__ as metric_name and the rest as labels', async () => {
    const batch = {
      series: [
        gauge('node_load1', { job: 'a', instance: 'h1:9100' }, [[now - 2000, 0.5], [now - 1000, 0.75]]),
        gauge('node_load1', { instance: 'h2:9100', job: 'a' }, [[now - 1000, 1.25]]),
      ],
    };
    expect(await writer.write(batch)).toEqual({ samples: 3, duplicates: 0, newSeries: 2, metadata: 0, outOfBounds: 0 });
    const rows = await storage.pool.query<{ metric_name: string; labels: Record<string, string>; n: string }>(
      `SELECT metric_name, labels, count(samples.*) AS n FROM series JOIN samples ON samples.series_id = series.id
        WHERE metric_name = 'node_load1' GROUP BY series.id ORDER BY labels->>'instance'`,
    );
    expect(rows.rows).toEqual([
      { metric_name: 'node_load1', labels: { instance: 'h1:9100', job: 'a' }, n: '2' },
      { metric_name: 'node_load1', labels: { instance: 'h2:9100', job: 'a' }, n: '1' },
    ]);
    // Label order does not make a different series, and a fresh writer (empty cache) finds the stored ones.
    const fresh = createWriter({ pool: storage.pool, log });
    const again = await fresh.write({ series: [gauge('node_load1', { job: 'a', instance: 'h2:9100' }, [[now, 2]])] });
    expect(again).toMatchObject({ samples: 1, newSeries: 0 });
    expect(await count(`SELECT count(*) AS n FROM series WHERE metric_name = 'node_load1'`)).toBe(2);
  });

  it('stores a retried batch once: the same batch twice writes nothing the second time', async () => {
    const batch = {
      series: Array.from({ length: 50 }, (_, i) => gauge('retry_metric', { job: 'retry', i: String(i) }, [[now - 3000, i], [now - 2000, i + 0.5]])),
    };
    const first = await writer.write(batch);
    const second = await writer.write(batch);
    expect(first).toMatchObject({ samples: 100, duplicates: 0, newSeries: 50 });
    expect(second).toMatchObject({ samples: 0, duplicates: 100, newSeries: 0 });
    expect(await count(`SELECT count(*) AS n FROM samples JOIN series ON series.id = series_id WHERE metric_name = 'retry_metric'`)).toBe(100);
  });

  it('never lets a producer hash pick the wrong series: a colliding hash is checked against the labels', async () => {
    const fresh = createWriter({ pool: storage.pool, log });
    const series = (job: string, value: number, labelsHash: number): SeriesSamples => ({ ...gauge('hash_metric', { job }, [[now - 5000 + value, value]]), labelsHash });
    await fresh.write({ series: [series('a', 1, 42)] });
    await fresh.write({ series: [series('b', 2, 42)] });
    await fresh.write({ series: [series('a', 3, 42), series('b', 4, 7)] });
    const rows = await storage.pool.query<{ job: string; values: number[] }>(
      `SELECT labels->>'job' AS job, array_agg(value ORDER BY "time") AS values FROM samples JOIN series ON series.id = series_id
        WHERE metric_name = 'hash_metric' GROUP BY 1 ORDER BY 1`,
    );
    expect(rows.rows).toEqual([
      { job: 'a', values: [1, 3] },
      { job: 'b', values: [2, 4] },
    ]);
  });

  it('keeps a duplicate timestamp inside one batch once', async () => {
    const result = await writer.write({ series: [gauge('dup_in_batch', { job: 'd' }, [[now, 1], [now, 1]])] });
    expect(result).toMatchObject({ samples: 1, duplicates: 1 });
  });

  it('stores the stale marker bit for bit, whether flagged or carried in the value, and an ordinary NaN as NaN', async () => {
    const stale = staleValue();
    await writer.write({
      series: [
        { labels: { __name__: 'stale_test', job: 'flag' }, samples: [{ timestampMs: now - 1000, value: 1 }, { timestampMs: now, value: Number.NaN, stale: true }] },
        { labels: { __name__: 'stale_test', job: 'bits' }, samples: [{ timestampMs: now, value: stale }] },
        { labels: { __name__: 'stale_test', job: 'nan' }, samples: [{ timestampMs: now, value: Number.NaN }] },
      ],
    });
    expect(await bitsOf('stale_test', 'flag')).toEqual(['3ff0000000000000', '7ff0000000000002']);
    expect(await bitsOf('stale_test', 'bits')).toEqual(['7ff0000000000002']);
    expect(await bitsOf('stale_test', 'nan')).toEqual(['7ff8000000000000']);
  });

  it('stores special values and millisecond times exactly', async () => {
    const t = now - 123;
    await writer.write({ series: [gauge('special', { job: 's' }, [[t - 2, Number.POSITIVE_INFINITY], [t - 1, Number.NEGATIVE_INFINITY], [t, -0.1]])] });
    const rows = await storage.pool.query<{ ms: string; v: number }>(
      `SELECT (extract(epoch FROM "time") * 1000)::int8 AS ms, value AS v FROM samples JOIN series ON series.id = series_id WHERE metric_name = 'special' ORDER BY "time"`,
    );
    expect(rows.rows.map((r) => [Number(r.ms), r.v])).toEqual([[t - 2, Number.POSITIVE_INFINITY], [t - 1, Number.NEGATIVE_INFINITY], [t, -0.1]]);
  });

  it('upserts metadata and changes it when it changes', async () => {
    const meta = { family: 'http_requests', type: 'counter', help: 'Requests.', unit: '' };
    expect(await writer.write({ series: [], metadata: [meta] })).toMatchObject({ metadata: 1, samples: 0 });
    await writer.write({ series: [], metadata: [{ ...meta, help: 'All requests.' }] });
    const rows = await storage.pool.query(`SELECT metric_family, type, help, unit FROM metric_metadata WHERE metric_family = 'http_requests'`);
    expect(rows.rows).toEqual([{ metric_family: 'http_requests', type: 'counter', help: 'All requests.', unit: '' }]);
  });

  it('moves series.last_seen_at forward when a cached series is written after the interval', async () => {
    const quick = createWriter({ pool: storage.pool, log, lastSeenIntervalMs: 0 });
    await quick.write({ series: [gauge('seen_metric', { job: 'x' }, [[now - 1000, 1]])] });
    await storage.pool.query(`UPDATE series SET last_seen_at = now() - interval '1 day' WHERE metric_name = 'seen_metric'`);
    await quick.write({ series: [gauge('seen_metric', { job: 'x' }, [[now, 2]])] });
    expect(await count(`SELECT count(*) AS n FROM series WHERE metric_name = 'seen_metric' AND last_seen_at > now() - interval '1 hour'`)).toBe(1);
  });

  it('spreads the last_seen_at updates of series created together over an interval', async () => {
    const resolver = new SeriesResolver({ pool: storage.pool, lastSeenIntervalMs: 60_000 });
    const identities = Array.from({ length: 1000 }, (_, i) => ({ labels: { __name__: 'spread_metric', i: String(i) } }));
    const t0 = Date.now();
    expect((await resolver.resolve(identities, t0)).seen).toEqual([]);
    // Half an interval on, about half are due (1000 draws: 300–700 holds but for ~1e-37); a whole
    // interval after creation, every one that was not touched since.
    const half = (await resolver.resolve(identities, t0 + 30_000)).seen.length;
    expect(half).toBeGreaterThan(300);
    expect(half).toBeLessThan(700);
    expect((await resolver.resolve(identities, t0 + 60_000)).seen.length).toBe(1000 - half);
  });

  it('gives concurrent batches that create the same series the same ids', async () => {
    const writers = [createWriter({ pool: storage.pool, log }), createWriter({ pool: storage.pool, log }), createWriter({ pool: storage.pool, log })];
    const make = (k: number) => ({ series: Array.from({ length: 200 }, (_, i) => gauge('race_metric', { i: String(i) }, [[now - k * 1000, k]])) });
    const results = await Promise.all(writers.map((w, k) => w.write(make(k))));
    expect(results.reduce((sum, r) => sum + r.newSeries, 0)).toBe(200);
    expect(await count(`SELECT count(*) AS n FROM series WHERE metric_name = 'race_metric'`)).toBe(200);
    expect(await count(`SELECT count(*) AS n FROM samples JOIN series ON series.id = series_id WHERE metric_name = 'race_metric'`)).toBe(600);
  });

  it.runIf(!backend.timescaledb)('rejects a batch with samples outside the partitions, storing none of it, or drops and counts them', async () => {
    const old = now - 40 * DAY;
    const batch = { series: [gauge('bounds_metric', { job: 'b' }, [[old, 1], [now, 2]]), gauge('bounds_metric', { job: 'c' }, [[now + 30 * DAY, 3]])] };
    const error = await writer.write(batch).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SampleOutOfBoundsError);
    expect(error).toMatchObject({ code: 'SAMPLE_OUT_OF_BOUNDS', count: 2, timestampMs: old, retryable: false });
    expect(await count(`SELECT count(*) AS n FROM samples JOIN series ON series.id = series_id WHERE metric_name = 'bounds_metric'`)).toBe(0);
    expect(await writer.write({ ...batch, onOutOfBounds: 'drop' })).toMatchObject({ samples: 1, outOfBounds: 2 });
    expect(await count(`SELECT count(*) AS n FROM samples JOIN series ON series.id = series_id WHERE metric_name = 'bounds_metric'`)).toBe(1);
  });

  it.runIf(backend.timescaledb)('accepts old samples on TimescaleDB, where chunks are made on demand', async () => {
    expect(await writer.write({ series: [gauge('old_metric', { job: 'o' }, [[now - 40 * DAY, 1]])] })).toMatchObject({ samples: 1, outOfBounds: 0 });
  });
});

describe('writer without a database', () => {
  it('fails with a retryable StorageError when PostgreSQL is unreachable', async () => {
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`, connectionTimeoutMillis: 2000 });
    const writer = createWriter({ pool, log });
    try {
      const error = await writer.write({ series: [gauge('x', {}, [[Date.now(), 1]])] }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(StorageError);
      expect(isRetryable(error)).toBe(true);
    } finally {
      await pool.end();
    }
  });
});
