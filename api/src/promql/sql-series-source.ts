import type pg from 'pg';
import type { Labels, Matcher } from './ast.ts';
import { compareLabels } from './labels.ts';
import { PromqlError, execution } from './promql-error.ts';
import type { SampleBudget, SelectRequest, SeriesSource, StoredSeries } from './series-source.ts';

/** The stale marker NaN (compat §2.6), as the high and low words of its big-endian bits. */
const STALE_HIGH = 0x7ff00000;
const STALE_LOW = 0x00000002;

/**
 * Whether PostgreSQL's ARE engine reads `re` the same way RE2 does for a full match, so it can be
 * pushed down: plain characters, classes, groups, alternation and quantifiers; no `(?` flags or
 * RE2-only escapes. Everything is still checked exactly in JavaScript afterwards.
 */
function pushableRegex(re: string): boolean {
  if (re.includes('(?') && !/^(?:[^(]|\((?!\?)|\(\?:)*$/.test(re)) return false;
  return !/\\[^.\-+*?()[\]{}|^$\\/dwsDWS]/.test(re);
}

interface SeriesRow {
  id: string;
  metric_name: string;
  labels: Labels;
}

/** The WHERE clause that narrows `series` with the index-friendly matchers; params numbered from `$1 + offset`. */
export function seriesWhere(matchers: Matcher[], offset = 0): { sql: string; params: unknown[] } {
  const conds: string[] = [];
  const params: unknown[] = [];
  const n = (): number => params.length + offset;
  const contains: Labels = {};
  for (const m of matchers) {
    if (m.name === '__name__') {
      if (m.type === '=') {
        params.push(m.value);
        conds.push(`metric_name = $${n()}`);
      } else if (m.type === '=~' && pushableRegex(m.value)) {
        params.push(`^(?:${m.value})$`);
        conds.push(`metric_name ~ $${n()}`);
      }
      continue;
    }
    if (m.type === '=' && m.value !== '') contains[m.name] = m.value;
    else if (m.type === '=~' && !m.test('') && pushableRegex(m.value)) {
      params.push(m.name, `^(?:${m.value})$`);
      conds.push(`labels->>$${n() - 1} ~ $${n()}`);
    }
  }
  if (Object.keys(contains).length > 0) {
    params.push(JSON.stringify(contains));
    conds.push(`labels @> $${n()}::jsonb`);
  }
  return { sql: conds.length === 0 ? 'TRUE' : conds.join(' AND '), params };
}

/** Options of the PostgreSQL series source. */
export interface SqlSeriesSourceOptions {
  pool: pg.Pool;
}

/**
 * Reads series and samples from the storage contract's `series` and `samples` tables: one query
 * for the matching series (metric name, `@>` on the GIN-indexed labels, pushable regexes), one for
 * their samples in (minMs, maxMs], ordered, with a LIMIT that enforces the query's sample budget.
 */
export function createSqlSeriesSource(options: SqlSeriesSourceOptions): SeriesSource {
  const { pool } = options;
  return {
    async select(request: SelectRequest, budget: SampleBudget): Promise<StoredSeries[]> {
      const where = seriesWhere(request.matchers);
      let rows: SeriesRow[];
      try {
        rows = (await pool.query<SeriesRow>(`SELECT id::text AS id, metric_name, labels FROM series WHERE ${where.sql}`, where.params)).rows;
      } catch (err) {
        throw new PromqlError('unavailable', `series lookup failed: ${(err as Error).message}`, { cause: err });
      }
      const byId = new Map<string, Labels>();
      for (const r of rows) {
        const labels: Labels = { ...r.labels, __name__: r.metric_name };
        for (const k of Object.keys(labels)) if (labels[k] === '') delete labels[k];
        if (request.matchers.every((m) => m.test(labels[m.name] ?? ''))) byId.set(r.id, labels);
      }
      if (byId.size === 0) return [];
      const limit = Math.max(0, Math.floor(budget.remaining)) + 1;
      const values: unknown[] = [[...byId.keys()], new Date(request.minMs).toISOString(), new Date(request.maxMs).toISOString(), limit];
      let gridFilter = '';
      if (request.grid !== undefined) {
        // r = (t − gridStart) mod step; a sample is read when the next step is within the window: r = 0 or r > step − window.
        const { startMs, stepMs, windowMs } = request.grid;
        values.push(startMs, stepMs, stepMs - windowMs);
        gridFilter = `AND mod(mod(round(date_part('epoch', "time") * 1000)::bigint - $5::bigint, $6::bigint) + $6::bigint, $6::bigint) NOT BETWEEN 1 AND $7::bigint`;
      }
      // Each series' samples come back packed: big-endian int8 milliseconds and float8 values, bit
      // for bit (so a stale marker keeps its NaN payload), one row per series. The LIMIT inside
      // bounds what PostgreSQL reads and sends to the query's sample budget.
      let result: pg.QueryArrayResult<[string, string, Buffer, Buffer]>;
      try {
        result = await pool.query<[string, string, Buffer, Buffer]>({
          text: `SELECT series_id::text, count(*)::text,
                        string_agg(int8send(round(date_part('epoch', "time") * 1000)::int8), ''::bytea ORDER BY "time"),
                        string_agg(float8send(value), ''::bytea ORDER BY "time")
                   FROM (SELECT series_id, "time", value FROM samples
                          WHERE series_id = ANY($1::bigint[]) AND "time" > $2 AND "time" <= $3 ${gridFilter}
                          ORDER BY series_id, "time" LIMIT $4) picked
                  GROUP BY series_id`,
          values,
          rowMode: 'array',
        });
      } catch (err) {
        throw new PromqlError('unavailable', `sample lookup failed: ${(err as Error).message}`, { cause: err });
      }
      let n = 0;
      for (const row of result.rows) n += Number(row[1]);
      if (n >= limit) {
        throw execution('query processing would load too many samples into memory in query execution');
      }
      budget.remaining -= n;
      const out: StoredSeries[] = [];
      for (const [id, count, times, values] of result.rows) {
        const len = Number(count);
        const tv = new DataView(times.buffer, times.byteOffset, times.byteLength);
        const vv = new DataView(values.buffer, values.byteOffset, values.byteLength);
        const s: StoredSeries = { labels: byId.get(id) as Labels, t: new Float64Array(len), v: new Float64Array(len), stale: new Uint8Array(len) };
        for (let k = 0; k < len; k++) {
          s.t[k] = Number(tv.getBigInt64(k * 8));
          s.v[k] = vv.getFloat64(k * 8);
          if (vv.getUint32(k * 8) === STALE_HIGH && vv.getUint32(k * 8 + 4) === STALE_LOW) s.stale[k] = 1;
        }
        out.push(s);
      }
      // Prometheus hands series to the evaluator sorted by their labels; so does this source.
      return out.sort((a, b) => compareLabels(a.labels, b.labels));
    },
  };
}
