import type pg from 'pg';
import { queryJsonText } from '../servers/query-json-text.ts';
import type { SeriesSource } from './choose-step.ts';

export interface SeriesQuery {
  serverId: string;
  fromMs: number;
  toMs: number;
  stepSeconds: number;
  source: SeriesSource;
  maxPoints: number;
}

// Snapshot fields of a series: JSON name → the raw column and its rollup average. Both tables carry these.
const FIELDS = [
  ['cpuUsage', 'cpu_usage'],
  ['memoryUsage', 'memory_usage'],
  ['diskUsage', 'disk_usage'],
  ['load1', 'load1'],
  ['netRxBps', 'net_rx_bps'],
  ['netTxBps', 'net_tx_bps'],
] as const;

/** JSON names of the averaged fields of every point, in order. */
export const SERIES_FIELDS: readonly string[] = FIELDS.map(([name]) => name);

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS"Z"'`;

// The whole answer as one JSON text: the server's row drives it, so an unknown id yields no row.
function answer(points: string): string {
  return `
    SELECT json_build_object(
      'serverId', s.id,
      'from', to_char($2::timestamptz AT TIME ZONE 'UTC', ${ISO}),
      'to', to_char($3::timestamptz AT TIME ZONE 'UTC', ${ISO}),
      'stepSeconds', $4::int,
      'source', $5::text,
      'maxPoints', $6::int,
      'fields', $7::text[],
      'points', coalesce((${points}), '[]'::json)
    )::text AS body
    FROM servers s WHERE s.id = $1`;
}

// The JSON array of points from buckets `b(t, n, <columns>)`: each row becomes an object through
// json_agg of a record (cheaper than json_build_object per point). A NaN (JSON has none) becomes null.
const points = (buckets: string) => `
  SELECT json_agg(p ORDER BY p."timestamp")
  FROM (
    SELECT to_char(t AT TIME ZONE 'UTC', ${ISO}) AS "timestamp", n AS samples,
           ${FIELDS.map(([name, column]) => `nullif(${column}, 'NaN') AS "${name}"`).join(', ')}
    FROM (${buckets}) b
  ) p`;

// Raw path: snapshots of whole buckets, from the one holding `from` to the one holding `to`.
const RAW_POINTS = points(`
    SELECT sextant_bucket(make_interval(secs => $4), "timestamp") AS t, count(*) AS n,
           ${FIELDS.map(([, c]) => `avg(${c}) AS ${c}`).join(', ')}
    FROM metrics_snapshots
    WHERE server_id = $1
      AND "timestamp" >= sextant_bucket(make_interval(secs => $4), $2)
      AND "timestamp" < sextant_bucket(make_interval(secs => $4), $3) + make_interval(secs => $4)
    GROUP BY 1`);

// Rollup path: closed hours from metrics_snapshots_1h, and the hours after the newest rolled-up one
// (not materialised yet; the current hour always, even when a manual refresh materialised part of
// it) aggregated from raw snapshots; hours are then merged into steps, averages
// weighted by their sample counts so every point is the mean over its snapshots.
const ROLLUP_HOURS = `
  WITH rolled AS (
    SELECT bucket, samples, ${FIELDS.map(([, c]) => `${c}_avg AS ${c}`).join(', ')}
    FROM metrics_snapshots_1h
    WHERE server_id = $1
      AND bucket >= sextant_bucket(make_interval(secs => $4), $2)
      AND bucket < sextant_bucket(make_interval(secs => $4), $3) + make_interval(secs => $4)
      AND bucket < sextant_bucket(INTERVAL '1 hour', now())
  ), edge AS (
    SELECT coalesce(max(bucket) + INTERVAL '1 hour', sextant_bucket(make_interval(secs => $4), $2)) AS t FROM rolled
  ), hours AS (
    SELECT * FROM rolled
    UNION ALL
    SELECT sextant_bucket(INTERVAL '1 hour', "timestamp"), count(*), ${FIELDS.map(([, c]) => `avg(${c})`).join(', ')}
    FROM metrics_snapshots, edge
    WHERE server_id = $1 AND "timestamp" >= edge.t
      AND "timestamp" < sextant_bucket(make_interval(secs => $4), $3) + make_interval(secs => $4)
    GROUP BY 1
  )`;

const ROLLUP_POINTS = `${ROLLUP_HOURS} ${points(`
    SELECT sextant_bucket(make_interval(secs => $4), bucket) AS t, sum(samples) AS n,
           ${FIELDS.map(([, c]) => `sum(${c} * samples) / nullif(sum(samples) FILTER (WHERE ${c} IS NOT NULL), 0) AS ${c}`).join(', ')}
    FROM hours
    GROUP BY 1`)}`;

// A step of exactly one hour: the hours are the points.
const HOURLY_POINTS = `${ROLLUP_HOURS} ${points(`SELECT bucket AS t, samples AS n, ${FIELDS.map(([, c]) => c).join(', ')} FROM hours`)}`;

const STATEMENTS = {
  raw: { name: 'sextant-series-raw', text: answer(RAW_POINTS) },
  rollup: { name: 'sextant-series-rollup', text: answer(ROLLUP_POINTS) },
  hourly: { name: 'sextant-series-hourly', text: answer(HOURLY_POINTS) },
} as const;

/**
 * One server's bucketed series as the JSON text of the API answer, built entirely in SQL;
 * `undefined` when the server does not exist. Each point is the mean over the snapshots of the whole
 * bucket that starts at its `timestamp`, from the bucket holding `from` to the one holding `to`.
 */
export async function readSeries(pool: pg.Pool, query: SeriesQuery): Promise<string | undefined> {
  const statement = STATEMENTS[query.source === 'rollup' && query.stepSeconds === 3600 ? 'hourly' : query.source];
  return queryJsonText(pool, statement.name, statement.text, [
    query.serverId,
    new Date(query.fromMs),
    new Date(query.toMs),
    query.stepSeconds,
    query.source,
    query.maxPoints,
    SERIES_FIELDS,
  ]);
}
