// The PromQL source over `sample_blocks`: the same answers with and without compacted blocks, late
// samples into compacted blocks, stale markers inside blocks, retention, and writers racing compaction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWriter } from '@sextant/ingester';
import { createLogger } from '@sextant/log';
import { COMPACTION_LOCK, compactSampleBlocks, migrate, openStorage, runMaintenance, SAMPLE_BLOCK_MS } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { createEngine } from '../src/promql/engine.ts';
import type { Engine } from '../src/promql/engine.ts';
import { createSqlSeriesSource } from '../src/promql/sql-series-source.ts';

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const backend = testBackends().find((b) => !b.timescaledb && !b.skip);
const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;
const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };

describe.skipIf(backend === undefined)('PromQL over compacted sample blocks', () => {
  let database: TestDatabase;
  let storage: Storage;
  let engine: Engine;
  // Two days back, on a block boundary: 36 hours of minute samples, all in closed blocks by `now`.
  const t0 = Math.floor(Date.now() / SAMPLE_BLOCK_MS) * SAMPLE_BLOCK_MS - 2 * DAY;
  const minutes = 36 * 60;
  const compactAt = new Date(t0 + 40 * HOUR);

  const compact = async (now: Date) => {
    const client = await storage.pool.connect();
    try {
      // One series per transaction: writers racing a round meet it between series ranges too.
      return await compactSampleBlocks(client, { now, seriesPerTransaction: 1 });
    } finally {
      client.release();
    }
  };
  const count = async (sql: string, values: unknown[] = []) => Number((await storage.pool.query<{ n: string }>(sql, values)).rows[0]!.n);

  beforeAll(async () => {
    database = await backend!.create();
    storage = await openStorage({ url: database.url, log });
    const { caps } = await migrate({ pool: storage.pool, mode: 'off', retention, log });
    // Partitions only: blocks are built by the explicit compactions below.
    await storage.pool.query('UPDATE sample_blocks_watermark SET upto = $1', [new Date(t0)]);
    await runMaintenance({ pool: storage.pool, caps, retention, log }, new Date());
    await storage.pool.query('TRUNCATE sample_blocks');
    await storage.pool.query('UPDATE sample_blocks_watermark SET upto = $1', ['-infinity']);
    engine = createEngine({ source: createSqlSeriesSource({ pool: storage.pool }) });
    const writer = createWriter({ pool: storage.pool, log });
    const points = (f: (i: number) => number, skip = -1) =>
      Array.from({ length: minutes }, (_, i) => ({ timestampMs: t0 + i * MINUTE, value: f(i) })).filter((_, i) => i !== skip);
    await writer.write({
      series: [
        // Minute 130 is missing: a late sample fills it after compaction.
        { labels: { __name__: 'm_total', job: 'api', i: '1' }, samples: points((i) => i * 3 + (i % 7), 130) },
        { labels: { __name__: 'm_total', job: 'api', i: '2' }, samples: points((i) => (i % 500) * 2) },
        { labels: { __name__: 'm_total', job: 'web', i: '3' }, samples: points((i) => i / 10) },
        // An ordinary NaN at 3h, a stale marker at 5h, samples again from 6h.
        {
          labels: { __name__: 'flappy', job: 'api' },
          samples: points((i) => (i === 180 ? NaN : i === 300 ? STALE : i % 11)).filter((s) => s.timestampMs < t0 + 5 * HOUR + MINUTE || s.timestampMs >= t0 + 6 * HOUR),
        },
      ],
    });
    await writer.close();
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  const QUERIES = [
    'rate(m_total[5m])', 'sum by (job) (rate(m_total[5m]))', 'avg_over_time(m_total[1h])', 'm_total',
    'flappy', 'count_over_time(flappy[30m])', 'max_over_time(flappy[7m] offset 3m)', 'resets(m_total[3h])',
  ];
  const answers = async () => {
    const out: unknown[] = [];
    for (const q of QUERIES) {
      // A 10-minute step reads only the windows (grid) for the short ranges; 1 minute reads everything.
      out.push(await engine.rangeQuery(q, t0 - 30 * MINUTE, t0 + 37 * HOUR, 10 * MINUTE));
      out.push(await engine.rangeQuery(q, t0 + 4 * HOUR + 17_000, t0 + 7 * HOUR, MINUTE));
      out.push(await engine.instantQuery(q, t0 + 5 * HOUR + 30 * MINUTE));
    }
    return out;
  };

  let raw: unknown[];

  it('answers exactly the same from blocks as from raw rows, stale markers and NaNs included', async () => {
    raw = await answers();
    const report = await compact(compactAt);
    expect(report.built).toBeGreaterThan(4 * 17);
    expect(report.uptoMs).toBe(Math.floor((compactAt.getTime() - HOUR) / SAMPLE_BLOCK_MS) * SAMPLE_BLOCK_MS);
    expect(await count('SELECT count(*) AS n FROM sample_blocks')).toBe(report.built);
    // The stale marker keeps its bits inside the block.
    expect(await count(`SELECT count(*) AS n FROM sample_blocks b JOIN series s ON s.id = b.series_id
                         WHERE s.metric_name = 'flappy' AND position('\\x7ff0000000000002'::bytea IN b.v) > 0`)).toBe(1);
    expect(await answers()).toEqual(raw);
    const stale = await engine.instantQuery('flappy', t0 + 5 * HOUR + 2 * MINUTE);
    expect(stale).toMatchObject({ resultType: 'vector', series: [] });
  });

  it('refuses a query whose compacted blocks hold more samples than its limit, and keeps working after', async () => {
    const small = createEngine({ source: createSqlSeriesSource({ pool: storage.pool }), maxSamples: 1000 });
    await expect(small.rangeQuery('m_total', t0, t0 + 30 * HOUR, HOUR)).rejects.toMatchObject({ code: 'execution' });
    await expect(small.instantQuery('m_total{i="3"}', t0 + 3 * HOUR)).resolves.toMatchObject({ series: [{ v: [18] }] });
  });

  it('reads a late sample written into a compacted block, before and after the block is rebuilt', async () => {
    const at = t0 + 130 * MINUTE;
    const q = 'count_over_time(m_total{i="1"}[10m])';
    const before = await engine.instantQuery(q, at + 5 * MINUTE);
    expect(before).toMatchObject({ series: [{ v: [9] }] });
    const writer = createWriter({ pool: storage.pool, log });
    await writer.write({ series: [{ labels: { __name__: 'm_total', job: 'api', i: '1' }, samples: [{ timestampMs: at, value: 390 }] }] });
    await writer.close();
    expect(await count('SELECT count(*) AS n FROM sample_blocks_dirty WHERE block_start = $1', [new Date(Math.floor(at / SAMPLE_BLOCK_MS) * SAMPLE_BLOCK_MS)])).toBe(1);
    expect(await engine.instantQuery(q, at + 5 * MINUTE)).toMatchObject({ series: [{ v: [10] }] });
    const report = await compact(compactAt);
    expect(report.rebuilt).toBe(1);
    expect(await count('SELECT count(*) AS n FROM sample_blocks_dirty')).toBe(0);
    expect(await engine.instantQuery(q, at + 5 * MINUTE)).toMatchObject({ series: [{ v: [10] }] });
    const late = (await engine.instantQuery('m_total{i="1"}', at + 30_000)) as { series: { v: number[] }[] };
    expect(late.series[0]!.v[0]).toBe(390);
  });

  it('loses no sample when writers race compaction: every clean block below the watermark matches its samples', async () => {
    const writer = createWriter({ pool: storage.pool, log });
    const labels = { __name__: 'race_total', job: 'race' };
    const start = t0 + 36 * HOUR;
    // Writers fill 8 hours from both ends while compaction moves the watermark through them.
    const writes = (async () => {
      for (let b = 0; b < 48; b++) {
        const fromEnd = b % 2 === 1;
        const base = start + (fromEnd ? 8 * HOUR - (b + 1) * 5 * MINUTE : b * 5 * MINUTE);
        const samples = Array.from({ length: 10 }, (_, k) => ({ timestampMs: base + k * 30_000, value: b * 10 + k }));
        await writer.write({ series: [{ labels: { ...labels, w: 'a' }, samples }, { labels: { ...labels, w: 'b' }, samples }] });
      }
    })();
    const compactions = (async () => {
      for (let h = 0; h <= 10; h++) await compact(new Date(start + h * HOUR));
    })();
    await Promise.all([writes, compactions]);
    await writer.close();
    const mismatched = `
      SELECT count(*) AS n FROM sample_blocks b
       WHERE b.block_start < (SELECT upto FROM sample_blocks_watermark)
         AND NOT EXISTS (SELECT 1 FROM sample_blocks_dirty d WHERE d.series_id = b.series_id AND d.block_start = b.block_start)
         AND b.n <> (SELECT count(*) FROM samples s WHERE s.series_id = b.series_id AND s."time" >= b.block_start AND s."time" < b.block_start + INTERVAL '2 hours')`;
    const missing = `
      SELECT count(*) AS n FROM samples s
       WHERE s."time" < (SELECT upto FROM sample_blocks_watermark)
         AND NOT EXISTS (SELECT 1 FROM sample_blocks b WHERE b.series_id = s.series_id AND b.block_start = date_bin(INTERVAL '2 hours', s."time", TIMESTAMPTZ 'epoch'))
         AND NOT EXISTS (SELECT 1 FROM sample_blocks_dirty d WHERE d.series_id = s.series_id AND d.block_start = date_bin(INTERVAL '2 hours', s."time", TIMESTAMPTZ 'epoch'))`;
    expect(await count(mismatched)).toBe(0);
    expect(await count(missing)).toBe(0);
    const q = 'count_over_time(race_total[481m])';
    const total = (await engine.instantQuery(q, start + 8 * HOUR)) as { series: { v: number[] }[] };
    expect(total.series.map((s) => s.v[0])).toEqual([480, 480]);
    await compact(new Date(start + 10 * HOUR));
    expect(await count(mismatched)).toBe(0);
    expect(await engine.instantQuery(q, start + 8 * HOUR)).toEqual(total);
  });

  it('makes a writer that waited for a compaction mark its samples below the watermark that compaction committed', async () => {
    const at = t0 + 20 * HOUR + 30 * MINUTE;
    const block = new Date(Math.floor(at / SAMPLE_BLOCK_MS) * SAMPLE_BLOCK_MS);
    const before = (await storage.pool.query<{ upto: Date }>('SELECT upto FROM sample_blocks_watermark')).rows[0]!.upto;
    await storage.pool.query('UPDATE sample_blocks_watermark SET upto = $1', [block]);
    // A compaction in progress: it holds the lock while it moves the watermark past `at`.
    const compaction = await storage.pool.connect();
    const writer = createWriter({ pool: storage.pool, log });
    try {
      await compaction.query('BEGIN');
      await compaction.query('SELECT pg_advisory_xact_lock($1)', [COMPACTION_LOCK]);
      await compaction.query('UPDATE sample_blocks_watermark SET upto = $1', [new Date(block.getTime() + SAMPLE_BLOCK_MS)]);
      const written = writer.write({ series: [{ labels: { __name__: 'waiting_total' }, samples: [{ timestampMs: at, value: 1 }] }] });
      const waiting = async () => count(`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
      for (let i = 0; i < 500 && (await waiting()) === 0; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(await waiting()).toBe(1);
      await compaction.query('COMMIT');
      await written;
    } finally {
      compaction.release();
      await writer.close();
    }
    expect(await count(`SELECT count(*) AS n FROM sample_blocks_dirty d JOIN series s ON s.id = d.series_id
                         WHERE s.metric_name = 'waiting_total' AND d.block_start = $1`, [block])).toBe(1);
    await storage.pool.query('UPDATE sample_blocks_watermark SET upto = $1', [before]);
    await compact(new Date(before.getTime() + HOUR));
    expect(await count('SELECT count(*) AS n FROM sample_blocks_dirty')).toBe(0);
  });

  it('marks a late sample dirty while a round is still building its span, series range by series range', async () => {
    const at = t0 + 22 * HOUR + 10 * MINUTE;
    const block = new Date(Math.floor(at / SAMPLE_BLOCK_MS) * SAMPLE_BLOCK_MS);
    const before = (await storage.pool.query<{ upto: Date; building_upto: Date }>('SELECT upto, building_upto FROM sample_blocks_watermark')).rows[0]!;
    // A round has started on the span holding `at` (building_upto past it) and not finished it (upto below it).
    await storage.pool.query('UPDATE sample_blocks_watermark SET upto = $1, building_upto = $2', [block, new Date(block.getTime() + SAMPLE_BLOCK_MS)]);
    const writer = createWriter({ pool: storage.pool, log });
    try {
      await writer.write({ series: [{ labels: { __name__: 'building_total' }, samples: [{ timestampMs: at, value: 7 }] }] });
    } finally {
      await writer.close();
    }
    expect(await count(`SELECT count(*) AS n FROM sample_blocks_dirty d JOIN series s ON s.id = d.series_id
                         WHERE s.metric_name = 'building_total' AND d.block_start = $1`, [block])).toBe(1);
    await storage.pool.query('UPDATE sample_blocks_watermark SET upto = $1, building_upto = $2', [before.upto, before.building_upto]);
    await compact(new Date(before.upto.getTime() + HOUR));
    expect(await count('SELECT count(*) AS n FROM sample_blocks_dirty')).toBe(0);
    const answer = (await engine.instantQuery('building_total', at + MINUTE)) as { series: { v: number[] }[] };
    expect(answer.series.map((x) => x.v[0])).toEqual([7]);
  });

  it('drops blocks with their samples when retention drops the partitions', async () => {
    const blocks = await count('SELECT count(*) AS n FROM sample_blocks');
    expect(blocks).toBeGreaterThan(0);
    const { caps } = await migrate({ pool: storage.pool, mode: 'off', retention, log });
    // Seen from 15 days + 1 day after t0's day, every partition holding the data is past retention.
    const later = new Date(Math.floor(t0 / DAY) * DAY + 16 * DAY + 3 * DAY);
    const report = await runMaintenance({ pool: storage.pool, caps, retention, log }, later);
    expect(report.dropped.some((p) => p.startsWith('samples_p'))).toBe(true);
    expect(await count('SELECT count(*) AS n FROM samples')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM sample_blocks')).toBe(0);
  });
});
