import type pg from 'pg';
import type { Labels, Matcher } from '../promql/ast.ts';
import { compareLabels, labelsKey } from '../promql/labels.ts';
import { PromqlError } from '../promql/promql-error.ts';
import { seriesWhere } from '../promql/sql-series-source.ts';
import { MAX_TIME_MS, MIN_TIME_MS } from './prom-params.ts';

/** The time span a metadata call asks about; series without samples in it are left out. */
export interface TimeSpan {
  startMs: number;
  endMs: number;
}

/** Series with samples in the span, only when the span is bounded (an EXISTS probe on the samples index). */
function spanClause(span: TimeSpan, offset: number): { sql: string; params: unknown[] } {
  if (span.startMs <= MIN_TIME_MS && span.endMs >= MAX_TIME_MS) return { sql: 'TRUE', params: [] };
  const start = new Date(Math.max(span.startMs, -62_135_596_800_000)).toISOString();
  const end = new Date(Math.min(span.endMs, 253_402_300_799_000)).toISOString();
  return {
    sql: `EXISTS (SELECT 1 FROM samples x WHERE x.series_id = series.id AND x."time" >= $${offset + 1} AND x."time" <= $${offset + 2})`,
    params: [start, end],
  };
}

async function query<T extends pg.QueryResultRow>(pool: pg.Pool, sql: string, params: unknown[]): Promise<T[]> {
  try {
    return (await pool.query<T>(sql, params)).rows;
  } catch (err) {
    throw new PromqlError('unavailable', `series lookup failed: ${(err as Error).message}`, { cause: err });
  }
}

function withName(metricName: string, labels: Labels): Labels {
  const out: Labels = { __name__: metricName };
  for (const [k, v] of Object.entries(labels)) if (v !== '') out[k] = v;
  if (metricName === '') delete out.__name__;
  return out;
}

/** The label sets of the series any of `selectors` matches (with samples in `span`), sorted. */
export async function findSeries(pool: pg.Pool, selectors: Matcher[][], span: TimeSpan): Promise<Labels[]> {
  const found = new Map<string, Labels>();
  for (const matchers of selectors) {
    const where = seriesWhere(matchers);
    const time = spanClause(span, where.params.length);
    const rows = await query<{ metric_name: string; labels: Labels }>(
      pool,
      `SELECT metric_name, labels FROM series WHERE ${where.sql} AND ${time.sql}`,
      [...where.params, ...time.params],
    );
    for (const r of rows) {
      const labels = withName(r.metric_name, r.labels);
      if (matchers.every((m) => m.test(labels[m.name] ?? ''))) found.set(labelsKey(labels), labels);
    }
  }
  return [...found.values()].sort(compareLabels);
}

/** Every label name in use (in `span`), sorted; `__name__` included when any series exists. */
export async function labelNames(pool: pg.Pool, span: TimeSpan): Promise<string[]> {
  const time = spanClause(span, 0);
  const rows = await query<{ name: string }>(
    pool,
    `SELECT DISTINCT k AS name FROM (
       SELECT jsonb_object_keys(labels) AS k FROM series WHERE ${time.sql}
       UNION ALL SELECT '__name__' FROM (SELECT 1 FROM series WHERE metric_name <> '' AND ${time.sql} LIMIT 1) one
     ) names`,
    time.params,
  );
  return rows.map((r) => r.name).sort();
}

/** Every value of label `name` (in `span`), sorted. */
export async function labelValues(pool: pg.Pool, name: string, span: TimeSpan): Promise<string[]> {
  const time = spanClause(span, 1);
  const sql = name === '__name__'
    ? `SELECT DISTINCT metric_name AS value FROM series WHERE $1::text IS NOT NULL AND metric_name <> '' AND ${time.sql}`
    : `SELECT DISTINCT labels->>$1::text AS value FROM series WHERE labels ? $1::text AND labels->>$1::text <> '' AND ${time.sql}`;
  const rows = await query<{ value: string }>(pool, sql, [name, ...time.params]);
  return rows.map((r) => r.value).sort();
}
