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

function tooMany(): PromqlError {
  return execution('query processing would load too many samples into memory in query execution');
}

// The blocks of `sample_blocks` that (minMs, maxMs] touches, below the watermark and not dirty.
const BLOCKS_IN_RANGE = `
  FROM sample_blocks b
 WHERE b.series_id = ANY($1::bigint[]) AND b.block_start > $2::timestamptz - INTERVAL '2 hours' AND b.block_start <= $3::timestamptz
   AND b.block_start < (SELECT upto FROM sample_blocks_watermark)
   AND NOT EXISTS (SELECT 1 FROM sample_blocks_dirty d WHERE d.series_id = b.series_id AND d.block_start = b.block_start)`;

const COUNT_BLOCKS = `SELECT coalesce(sum(b.n), 0)::text ${BLOCKS_IN_RANGE}`;

/**
 * One statement, so one snapshot: the compacted blocks, then per series one packed run of the raw
 * rows the blocks do not cover (above the watermark, or in a dirty block). Times are big-endian int8
 * milliseconds and values float8 bits, so a stale marker keeps its NaN payload. The LIMIT bounds the
 * raw rows PostgreSQL reads and sends to the query's sample budget.
 */
function selectSamples(gridFilter: string): string {
  return `
  WITH w AS MATERIALIZED (SELECT upto FROM sample_blocks_watermark)
  SELECT b.series_id::text, b.n, b.t, b.v ${BLOCKS_IN_RANGE}
  UNION ALL
  SELECT series_id::text, count(*)::int,
         string_agg(int8send(round(date_part('epoch', "time") * 1000)::int8), ''::bytea ORDER BY "time"),
         string_agg(float8send(value), ''::bytea ORDER BY "time")
    FROM (SELECT series_id, "time", value FROM (
            SELECT series_id, "time", value FROM samples
             WHERE series_id = ANY($1::bigint[]) AND "time" > $2 AND "time" <= $3 ${gridFilter}
               AND "time" >= (SELECT upto FROM w)
            UNION ALL
            SELECT s.series_id, s."time", s.value
              FROM sample_blocks_dirty d
              JOIN samples s ON s.series_id = d.series_id AND s."time" >= d.block_start AND s."time" < d.block_start + INTERVAL '2 hours'
             WHERE d.series_id = ANY($1::bigint[]) AND d.block_start < (SELECT upto FROM w)
               AND d.block_start > $2::timestamptz - INTERVAL '2 hours' AND d.block_start <= $3::timestamptz
               AND s."time" > $2 AND s."time" <= $3 ${gridFilter.replaceAll('"time"', 's."time"')}
          ) raw ORDER BY series_id, "time" LIMIT $4) picked
   GROUP BY series_id`;
}

/** One packed, ordered run of a series' samples: a block, or the raw rows around the blocks. */
interface Run {
  n: number;
  times: Buffer;
  values: Buffer;
}

type Grid = NonNullable<SelectRequest['grid']>;

// Unix milliseconds fit in 53 bits: high word × 2^32 + low word is exact.
function timeAt(tv: DataView, k: number): number {
  return tv.getInt32(k * 8) * 0x1_0000_0000 + tv.getUint32(k * 8 + 4);
}

/** Index of the first sample in [from, n) later than `ms` (binary search over a packed run). */
function firstAfter(tv: DataView, from: number, n: number, ms: number): number {
  let lo = from;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timeAt(tv, mid) <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Decodes a series' runs into time-ordered arrays, with only the samples inside the grid's windows
 * when there is one (the gaps between windows are jumped by binary search, not decoded). Runs cover
 * disjoint spans; sorted by their first time they are usually in order already, and are merged by
 * time when the raw run interleaves with blocks (a dirty block amid clean ones).
 */
function decodeRuns(runs: Run[], grid: Grid | undefined): Omit<StoredSeries, 'labels'> {
  runs.sort((a, b) => firstTime(a) - firstTime(b));
  let total = 0;
  for (const r of runs) total += r.n;
  const t = new Float64Array(total);
  const v = new Float64Array(total);
  const stale = new Uint8Array(total);
  let j = 0;
  let ordered = true;
  for (const r of runs) {
    const tv = new DataView(r.times.buffer, r.times.byteOffset, r.times.byteLength);
    const vv = new DataView(r.values.buffer, r.values.byteOffset, r.values.byteLength);
    for (let k = 0; k < r.n; k++) {
      const ms = timeAt(tv, k);
      if (grid !== undefined) {
        // r = (t − gridStart) mod step; the sample is read when r = 0 or r > step − window,
        // else the next one read is the first after the next window's start.
        const rem = (((ms - grid.startMs) % grid.stepMs) + grid.stepMs) % grid.stepMs;
        if (rem !== 0 && rem <= grid.stepMs - grid.windowMs) {
          k = firstAfter(tv, k + 1, r.n, ms - rem + grid.stepMs - grid.windowMs) - 1;
          continue;
        }
      }
      if (j > 0 && ms <= (t[j - 1] as number)) ordered = false;
      t[j] = ms;
      const at = k * 8;
      v[j] = vv.getFloat64(at);
      if (vv.getUint32(at) === STALE_HIGH && vv.getUint32(at + 4) === STALE_LOW) stale[j] = 1;
      j++;
    }
  }
  const out = { t: t.subarray(0, j), v: v.subarray(0, j), stale: stale.subarray(0, j) };
  if (ordered) return j === total ? out : { t: out.t.slice(), v: out.v.slice(), stale: out.stale.slice() };
  const order = Array.from({ length: j }, (_, i) => i).sort((a, b) => (out.t[a] as number) - (out.t[b] as number));
  return { t: Float64Array.from(order, (i) => out.t[i] as number), v: Float64Array.from(order, (i) => out.v[i] as number), stale: Uint8Array.from(order, (i) => out.stale[i] as number) };
}

function firstTime(r: Run): number {
  return r.n === 0 ? 0 : r.times.readInt32BE(0) * 0x1_0000_0000 + r.times.readUInt32BE(4);
}

/** Options of the PostgreSQL series source. */
export interface SqlSeriesSourceOptions {
  pool: pg.Pool;
}

/**
 * Reads series and samples from the storage contract's `series` and `samples` tables: one query
 * for the matching series (metric name, `@>` on the GIN-indexed labels, pushable regexes), then
 * their samples in (minMs, maxMs]: compacted `sample_blocks` below the watermark, raw rows above it
 * and in dirty blocks, within the query's sample budget.
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
      const ids = [...byId.keys()];
      const remaining = Math.max(0, Math.floor(budget.remaining));
      const minIso = new Date(request.minMs).toISOString();
      const maxIso = new Date(request.maxMs).toISOString();
      // Compacted blocks are fetched whole, so what they hold counts against the budget before
      // they are read (the grid below then keeps only the samples the windows need).
      let blockSamples: number;
      try {
        blockSamples = Number((await pool.query<[string]>({ text: COUNT_BLOCKS, values: [ids, minIso, maxIso], rowMode: 'array' })).rows[0]?.[0] ?? 0);
      } catch (err) {
        throw new PromqlError('unavailable', `sample lookup failed: ${(err as Error).message}`, { cause: err });
      }
      if (blockSamples > remaining) throw tooMany();
      const values: unknown[] = [ids, minIso, maxIso, remaining + 1];
      let gridFilter = '';
      if (request.grid !== undefined) {
        // r = (t − gridStart) mod step; a sample is read when the next step is within the window: r = 0 or r > step − window.
        const { startMs, stepMs, windowMs } = request.grid;
        values.push(startMs, stepMs, stepMs - windowMs);
        gridFilter = `AND mod(mod(round(date_part('epoch', "time") * 1000)::bigint - $5::bigint, $6::bigint) + $6::bigint, $6::bigint) NOT BETWEEN 1 AND $7::bigint`;
      }
      let result: pg.QueryArrayResult<[string, number, Buffer, Buffer]>;
      try {
        result = await pool.query<[string, number, Buffer, Buffer]>({ text: selectSamples(gridFilter), values, rowMode: 'array' });
      } catch (err) {
        throw new PromqlError('unavailable', `sample lookup failed: ${(err as Error).message}`, { cause: err });
      }
      const runs = new Map<string, Run[]>();
      for (const [id, n, times, values] of result.rows) {
        let list = runs.get(id);
        if (list === undefined) runs.set(id, (list = []));
        list.push({ n, times, values });
      }
      let loaded = 0;
      const out: StoredSeries[] = [];
      for (const [id, list] of runs) {
        const s = decodeRuns(list, request.grid);
        loaded += s.t.length;
        if (loaded > remaining) throw tooMany();
        if (s.t.length > 0) out.push({ ...s, labels: byId.get(id) as Labels });
      }
      budget.remaining -= loaded;
      // Prometheus hands series to the evaluator sorted by their labels; so does this source.
      return out.sort((a, b) => compareLabels(a.labels, b.labels));
    },
  };
}
