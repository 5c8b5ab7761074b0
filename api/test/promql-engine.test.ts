// Engine behaviour beyond the promqltest scripts: limits, selection pushed down to SQL, stale markers
// as the ingester's writer stores them, and errors that name what is not supported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWriter } from '@sextant/ingester';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { createEngine } from '../src/promql/engine.ts';
import { PromqlError } from '../src/promql/promql-error.ts';
import { createSqlSeriesSource } from '../src/promql/sql-series-source.ts';

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const backend = testBackends().find((b) => !b.timescaledb && !b.skip);
const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

describe.skipIf(backend === undefined)('PromQL engine over PostgreSQL', () => {
  let database: TestDatabase;
  let storage: Storage;
  // Recent whole minutes, so the writer's partitions and sample window accept them.
  const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
  const statements: string[] = [];

  beforeAll(async () => {
    database = await backend!.create();
    storage = await openStorage({ url: database.url, log });
    const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
    const { caps } = await migrate({ pool: storage.pool, mode: 'off', retention, log });
    await runMaintenance({ pool: storage.pool, caps, retention, log }, new Date());
    const writer = createWriter({ pool: storage.pool, log });
    const points = (f: (i: number) => number, n = 60) => Array.from({ length: n }, (_, i) => ({ timestampMs: t0 + i * 60_000, value: f(i) }));
    await writer.write({
      series: [
        { labels: { __name__: 'req_total', job: 'api', path: '/a' }, samples: points((i) => i * 60) },
        { labels: { __name__: 'req_total', job: 'api', path: '/b' }, samples: points((i) => i * 120) },
        { labels: { __name__: 'req_total', job: 'web', path: '/A' }, samples: points((i) => i) },
        // The same labels as req_total's /A once the name is dropped, from minute 40 on.
        { labels: { __name__: 'req_copy_total', job: 'web', path: '/A' }, samples: points((i) => i).slice(40) },
        // Ends with a stale marker at minute 10; an ordinary NaN at minute 5 does not end it.
        { labels: { __name__: 'flappy', job: 'api' }, samples: [...points(() => 1, 5), { timestampMs: t0 + 5 * 60_000, value: NaN }, ...points(() => 2, 10).slice(6), { timestampMs: t0 + 10 * 60_000, value: STALE }] },
      ],
    });
    await writer.close();
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  const engine = (maxSamples?: number) => {
    const source = createSqlSeriesSource({ pool: storage.pool });
    // Record what reaches PostgreSQL to check the pushdown.
    const pool = storage.pool;
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    const spy = new Proxy(pool, {
      get: (target, prop, receiver) => prop === 'query'
        ? (...args: unknown[]) => {
          const q = args[0];
          statements.push(typeof q === 'string' ? q : (q as { text: string }).text);
          return query(...args);
        }
        : Reflect.get(target, prop, receiver) as unknown,
    });
    return createEngine({ source: maxSamples === undefined ? createSqlSeriesSource({ pool: spy }) : source, ...(maxSamples === undefined ? {} : { maxSamples }) });
  };

  it('evaluates rate and aggregation over samples the ingester wrote', async () => {
    const r = await engine().instantQuery('sum by (job) (rate(req_total[5m]))', t0 + 30 * 60_000);
    expect(r.resultType).toBe('vector');
    const byJob = Object.fromEntries((r as { series: { labels: Record<string, string>; v: number[] }[] }).series.map((s) => [s.labels.job, s.v[0]]));
    expect(byJob.api).toBeCloseTo(3, 9);
    expect(byJob.web).toBeCloseTo(1 / 60, 9);
  });

  it('pushes the metric name, equality matchers (GIN @>) and plain regexes down to SQL, and bounds the samples by time', async () => {
    statements.length = 0;
    await engine().instantQuery('req_total{job="api", path=~"/a|/b"}', t0 + 30 * 60_000);
    const seriesSql = statements.find((s) => s.includes('FROM series'))!;
    expect(seriesSql).toContain('metric_name = $1');
    expect(seriesSql).toContain('labels @>');
    expect(seriesSql).toContain('~');
    const samplesSql = statements.find((s) => s.includes('FROM samples'))!;
    expect(samplesSql).toMatch(/"time" > \$2 AND "time" <= \$3/);
    // RE2 flags that PostgreSQL reads differently are filtered in JavaScript only, still exactly.
    const r = await engine().instantQuery('req_total{path=~"(?i)/A"}', t0 + 30 * 60_000);
    expect((r as { series: unknown[] }).series).toHaveLength(2);
  });

  it('gives the same answers when a long step lets it read only the windows at each step', async () => {
    const e = engine();
    for (const q of ['rate(req_total[5m])', 'req_total', 'sum(increase(req_total[2m] offset 3m))', 'max_over_time(req_total[30m])']) {
      statements.length = 0;
      const range = await e.rangeQuery(q, t0 + 7 * 60_000, t0 + 57 * 60_000, 10 * 60_000);
      const windowed = statements.some((s) => s.includes('NOT BETWEEN'));
      // Windows shorter than the step (all but the 30m one) are read alone.
      expect(windowed, q).toBe(!q.includes('30m'));
      for (const series of range.series) {
        for (const [i, ts] of series.t.entries()) {
          const instant = (await e.instantQuery(q, ts)) as { series: { labels: Record<string, string>; v: number[] }[] };
          const same = instant.series.find((s) => JSON.stringify(s.labels) === JSON.stringify(series.labels));
          expect(same?.v[0], `${q} at ${ts}`).toBe(series.v[i]);
        }
      }
      expect(range.series.length).toBeGreaterThan(0);
    }
  });

  it('answers a range query of a range function, alone or aggregated, exactly as instant queries at each step', async () => {
    const e = engine();
    // From before the first sample to after the last, so some steps have no value.
    const start = t0 - 10 * 60_000;
    const end = t0 + 75 * 60_000;
    const step = 7 * 60_000;
    for (const q of [
      'sum by (job) (rate(req_total[5m]))', 'avg without (path) (increase(req_total[10m] offset 2m))', 'count(changes(req_total[3m]))',
      'max by (__name__) (last_over_time(req_total[5m]))', 'stddev(deriv(req_total[20m]))', 'predict_linear(req_total[15m], 600)',
      'quantile_over_time(0.5, req_total[10m])', 'count_over_time(flappy[4m])',
      // Two series with the same labels once the name is dropped, never both with a value at a step.
      'rate({__name__=~"req_total|req_copy_total", job="web"}[5m] offset 34m)',
    ]) {
      const range = await e.rangeQuery(q, start, end, step);
      const expected: Record<string, { t: number[]; v: number[] }> = {};
      for (let ts = start; ts <= end; ts += step) {
        const instant = (await e.instantQuery(q, ts)) as { series: { labels: Record<string, string>; v: number[] }[] };
        for (const s of instant.series) {
          const points = (expected[JSON.stringify(s.labels)] ??= { t: [], v: [] });
          points.t.push(ts);
          points.v.push(s.v[0]!);
        }
      }
      expect(range.series.length, q).toBeGreaterThan(0);
      expect(Object.fromEntries(range.series.map((s) => [JSON.stringify(s.labels), { t: s.t, v: s.v }])), q).toEqual(expected);
    }
  });

  it('refuses a range query when a function leaves two series with the same labels at a step', async () => {
    const q = 'rate({__name__=~"req_total|req_copy_total", job="web"}[5m])';
    await expect(engine().rangeQuery(q, t0, t0 + 59 * 60_000, 5 * 60_000)).rejects.toMatchObject({ code: 'execution', message: expect.stringContaining('same labelset') as unknown });
    await expect(engine().rangeQuery(q, t0, t0 + 30 * 60_000, 5 * 60_000)).resolves.toMatchObject({ series: [{ labels: { job: 'web', path: '/A' } }] });
  });

  it('ends a series at a stale marker, but not at an ordinary NaN', async () => {
    const e = engine();
    const at = async (minute: number) => (await e.instantQuery('flappy', t0 + minute * 60_000)) as { series: { v: number[] }[] };
    expect((await at(5)).series[0]!.v[0]).toBeNaN();
    expect((await at(9)).series[0]!.v[0]).toBe(2);
    expect((await at(10)).series).toEqual([]);
    expect((await at(12)).series).toEqual([]);
    // Range functions skip the marker itself.
    const count = (await e.instantQuery('count_over_time(flappy[20m])', t0 + 12 * 60_000)) as { series: { v: number[] }[] };
    expect(count.series[0]!.v[0]).toBe(10);
  });

  it('refuses a query that would load more samples than its limit with an execution error', async () => {
    const small = engine(50);
    await expect(small.rangeQuery('req_total', t0, t0 + 3_600_000, 60_000)).rejects.toMatchObject({ code: 'execution' });
    await expect(small.instantQuery('req_total{path="/a"}', t0 + 20 * 60_000)).resolves.toMatchObject({ resultType: 'vector' });
  });

  it('reads only the newest sample of each series for an instant vector selector at one time', async () => {
    // Five samples per series in the 5-minute lookback, but one each is all the answer needs.
    const three = engine(3);
    const at = t0 + 30 * 60_000;
    const latest = (await three.instantQuery('req_total', at)) as { series: { labels: Record<string, string>; v: number[] }[] };
    expect(latest.series.map((s) => [s.labels.path, s.v[0]])).toEqual([['/a', 1800], ['/b', 3600], ['/A', 30]]);
    await expect(three.instantQuery('last_over_time(req_total[5m])', at)).rejects.toMatchObject({ code: 'execution' });
    statements.length = 0;
    await engine().instantQuery('req_total', at);
    expect(statements.some((s) => /ORDER BY "time" DESC LIMIT 1/.test(s))).toBe(true);
  });

  it('names what it does not support in a bad_data error', async () => {
    for (const [q, name] of [['holt_winters(req_total[5m], 0.1, 0.1)', 'holt_winters'], ['limitk(1, req_total)', 'limitk'], ['histogram_count(req_total)', 'histogram_count']]) {
      const err = await engine().instantQuery(q!, t0).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PromqlError);
      expect(err).toMatchObject({ code: 'bad_data' });
      expect((err as Error).message).toContain(name);
    }
  });
});
