import type pg from 'pg';
import type { Labels, Matcher } from './ast.ts';
import { compareLabels } from './labels.ts';
import { PromqlError, execution } from './promql-error.ts';
import { BlockLimitError, readSampleBlocks } from './read-sample-blocks.ts';
import type { BlockRow, CompactedView } from './read-sample-blocks.ts';
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

/**
 * Per series one packed run of the raw rows the blocks read before did not cover: at or above their
 * watermark ($5), and in the blocks that were dirty ($6, $7). Rows only ever get added, so reading
 * them after the blocks loses nothing. Times are big-endian int8 milliseconds and values float8
 * bits, so a stale marker keeps its NaN payload. The LIMIT bounds what PostgreSQL reads and sends
 * to the query's sample budget.
 */
function selectRaw(gridFilter: string, dirty: boolean): string {
  // Without dirty blocks the join is left out (its parameters still typed), so its estimate cannot
  // push the planner towards a parallel plan for what is a small tail.
  const dirtyRows = dirty
    ? `SELECT s.series_id, s."time", s.value
              FROM unnest($6::bigint[], $7::timestamptz[]) AS d(series_id, block_start)
              JOIN samples s ON s.series_id = d.series_id AND s."time" >= d.block_start AND s."time" < d.block_start + INTERVAL '2 hours'
             WHERE s."time" > $2 AND s."time" <= $3 ${gridFilter.replaceAll('"time"', 's."time"')}`
    : `SELECT NULL::bigint, NULL::timestamptz, NULL::float8 WHERE false AND $6::bigint[] IS NULL AND $7::timestamptz[] IS NULL`;
  return `
  SELECT series_id::text, count(*)::int,
         string_agg(int8send(round(date_part('epoch', "time") * 1000)::int8), ''::bytea ORDER BY "time"),
         string_agg(float8send(value), ''::bytea ORDER BY "time")
    FROM (SELECT series_id, "time", value FROM (
            SELECT series_id, "time", value FROM samples
             WHERE series_id = ANY($1::bigint[]) AND "time" > $2 AND "time" <= $3 ${gridFilter}
               AND "time" >= $5::timestamptz
            UNION ALL
            ${dirtyRows}
          ) raw ORDER BY series_id, "time" LIMIT $4) picked
   GROUP BY series_id`;
}

/** The raw rows of a series in one packed run: big-endian int8 Unix ms in `t`, float8 bits in `v`. */
interface RawRun {
  n: number;
  t: Buffer;
  v: Buffer;
}

type Grid = NonNullable<SelectRequest['grid']>;

/**
 * A span of one part's samples [k0, k0 + n): times are `base` + int4 offsets (a block), or int8
 * values as little-endian 32-bit halves (`wide`, the raw run).
 */
interface Segment {
  base: number;
  wide: boolean;
  k0: number;
  n: number;
}

/** One run as little-endian views over its own bytes (swapped in place): times, values, and their segments. */
interface Part {
  times: Int32Array;
  v: Float64Array;
  segments: Segment[];
}

/** The bytes of `b` in a buffer of their own, 8-byte aligned, so they can be swapped and viewed in place. */
function own(b: Buffer, bytes: number): Buffer {
  return b.byteOffset % 8 === 0 ? b.subarray(0, bytes) : Buffer.from(Uint8Array.prototype.slice.call(b, 0, bytes).buffer);
}

function blocksPart(row: BlockRow): Part {
  const segments: Segment[] = [];
  for (let at = 0, k0 = 0; at + 12 <= row.meta.length; at += 12) {
    const n = row.meta.readInt32BE(at + 8);
    segments.push({ base: row.meta.readInt32BE(at) * 0x1_0000_0000 + row.meta.readUInt32BE(at + 4), wide: false, k0, n });
    k0 += n;
  }
  const t = own(row.t, row.n * 4).swap32();
  const v = own(row.v, row.n * 8).swap64();
  return { times: new Int32Array(t.buffer, t.byteOffset, row.n), v: new Float64Array(v.buffer, v.byteOffset, row.n), segments };
}

function rawPart(run: RawRun): Part {
  const t = own(run.t, run.n * 8).swap64();
  const v = own(run.v, run.n * 8).swap64();
  return { times: new Int32Array(t.buffer, t.byteOffset, run.n * 2), v: new Float64Array(v.buffer, v.byteOffset, run.n), segments: [{ base: 0, wide: true, k0: 0, n: run.n }] };
}

// Unix milliseconds fit in 53 bits: high word × 2^32 + low word is exact.
function timeAt(times: Int32Array, s: Segment, k: number): number {
  return s.wide ? times[2 * k + 1]! * 0x1_0000_0000 + (times[2 * k]! >>> 0) : s.base + times[k]!;
}

/** Index of the first sample of the segment at or after `from` later than `ms`. */
function firstAfter(times: Int32Array, s: Segment, from: number, ms: number): number {
  let lo = from;
  let hi = s.k0 + s.n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timeAt(times, s, mid) <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Indices of a part's samples inside the grid's windows (next − window, next], `next` being the
 * first step at or after the sample: r = (t − gridStart) mod step, next = t − r (+ step when r > 0).
 * Past a window the next one kept is the first after the next window's start (found by binary
 * search: the gaps are never decoded); the modulo is taken only where a sample skips a step.
 */
function gridIndices(part: Part, grid: Grid): number[] {
  const { startMs, stepMs, windowMs } = grid;
  const keep: number[] = [];
  for (const s of part.segments) {
    let next = Number.NEGATIVE_INFINITY;
    for (let k = s.k0; k < s.k0 + s.n;) {
      const ms = timeAt(part.times, s, k);
      if (ms > next) {
        if (ms <= next + stepMs) next += stepMs;
        else {
          const rem = (((ms - startMs) % stepMs) + stepMs) % stepMs;
          next = rem === 0 ? ms : ms - rem + stepMs;
        }
      }
      if (ms <= next - windowMs) {
        k = firstAfter(part.times, s, k + 1, next - windowMs);
        continue;
      }
      keep.push(k++);
    }
  }
  return keep;
}

function pick<T extends Float64Array | Uint8Array>(a: T, indices: ArrayLike<number>, out: T): T {
  for (let i = 0; i < indices.length; i++) out[i] = a[indices[i]!]!;
  return out;
}

/** A series' samples (or one part's): times, values and stale flags, oldest first once joined. */
type Run = Omit<StoredSeries, 'labels'>;

/**
 * Decodes one part into arrays of its own: the bytes were byte-swapped natively, so values need no
 * per-sample work. With a grid only the samples inside its windows are decoded. `inPlace`: the
 * part's bytes are not reused, so a whole part's values are used where they lie.
 */
function decodePart(part: Part, grid: Grid | undefined, inPlace: boolean): Run {
  const { times, v: pv, segments } = part;
  const bits = new Uint32Array(pv.buffer, pv.byteOffset, pv.length * 2);
  const idx = grid === undefined ? undefined : gridIndices(part, grid);
  if (idx === undefined) {
    const t = new Float64Array(pv.length);
    for (const s of segments) {
      if (s.wide) for (let k = s.k0; k < s.k0 + s.n; k++) t[k] = times[2 * k + 1]! * 0x1_0000_0000 + (times[2 * k]! >>> 0);
      else for (let k = s.k0; k < s.k0 + s.n; k++) t[k] = s.base + times[k]!;
    }
    const stale = new Uint8Array(pv.length);
    for (let k = 0; k < pv.length; k++) {
      const x = pv[k]!;
      if (x !== x && bits[2 * k + 1] === STALE_HIGH && bits[2 * k] === STALE_LOW) stale[k] = 1;
    }
    return { t, v: inPlace ? pv : Float64Array.from(pv), stale };
  }
  const t = new Float64Array(idx.length);
  const v = new Float64Array(idx.length);
  const stale = new Uint8Array(idx.length);
  for (let j = 0, si = 0; j < idx.length; j++) {
    const k = idx[j]!;
    while (k >= segments[si]!.k0 + segments[si]!.n) si++;
    t[j] = timeAt(times, segments[si]!, k);
    const x = pv[k]!;
    v[j] = x;
    if (x !== x && bits[2 * k + 1] === STALE_HIGH && bits[2 * k] === STALE_LOW) stale[j] = 1;
  }
  return { t, v, stale };
}

/**
 * A series' decoded parts (spans disjoint, usually in time order) one after the other; merged by
 * time where they interleave (raw rows of a dirty block amid clean blocks).
 */
function joinRuns(runs: Run[]): Run {
  let total = 0;
  for (const r of runs) total += r.t.length;
  let { t, v, stale } = runs[0] ?? { t: new Float64Array(0), v: new Float64Array(0), stale: new Uint8Array(0) };
  if (runs.length > 1) {
    t = new Float64Array(total);
    v = new Float64Array(total);
    stale = new Uint8Array(total);
    let at = 0;
    for (const r of runs) {
      t.set(r.t, at);
      v.set(r.v, at);
      stale.set(r.stale, at);
      at += r.t.length;
    }
  }
  let ordered = true;
  for (let k = 1; k < total && ordered; k++) if (t[k]! <= t[k - 1]!) ordered = false;
  if (!ordered) {
    const order = Uint32Array.from({ length: total }, (_, i) => i).sort((a, b) => t[a]! - t[b]!);
    [t, v, stale] = [pick(t, order, new Float64Array(total)), pick(v, order, new Float64Array(total)), pick(stale, order, new Uint8Array(total))];
  }
  return { t, v, stale };
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
      const remaining = Math.max(0, Math.floor(budget.remaining));
      const runs = new Map<string, Run[]>();
      let ids = [...byId.keys()];
      if (request.latest === true) ids = await readLatest(pool, ids, request, runs);
      if (ids.length > 0) await readSpans(pool, ids, request, remaining, runs);
      let loaded = 0;
      const out: StoredSeries[] = [];
      for (const [id, r] of runs) {
        const s = joinRuns(r);
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

/**
 * Each series' newest raw sample in (minMs, maxMs] at or above the blocks' watermark, into `runs`:
 * one backward step down the (series_id, time) index per series, where reading the whole lookback
 * of a fleet would read every sample of its last five minutes. A sample above the watermark is newer
 * than anything in the blocks, so it is the newest there is. Returns the ids that had none (read
 * in full by the caller).
 */
async function readLatest(pool: pg.Pool, ids: string[], request: SelectRequest, runs: Map<string, Run[]>): Promise<string[]> {
  let rows: [string, Buffer, Buffer][];
  try {
    rows = (await pool.query<[string, Buffer, Buffer]>({
      text: `
      SELECT id.series_id::text, int8send(round(date_part('epoch', l."time") * 1000)::int8), float8send(l.value)
        FROM unnest($1::bigint[]) AS id(series_id)
       CROSS JOIN LATERAL (
         SELECT "time", value FROM samples
          WHERE series_id = id.series_id AND "time" > $2 AND "time" <= $3 AND "time" >= (SELECT upto FROM sample_blocks_watermark)
          ORDER BY "time" DESC LIMIT 1) l`,
      values: [ids, new Date(request.minMs).toISOString(), new Date(request.maxMs).toISOString()],
      rowMode: 'array',
    })).rows;
  } catch (err) {
    throw new PromqlError('unavailable', `sample lookup failed: ${(err as Error).message}`, { cause: err });
  }
  for (const [id, t, v] of rows) runs.set(id, [decodePart(rawPart({ n: 1, t, v }), undefined, true)]);
  return ids.filter((id) => !runs.has(id));
}

/** Every sample of `ids` in (minMs, maxMs] (only the grid's windows when there is one), from blocks and raw rows, into `runs`. */
async function readSpans(pool: pg.Pool, ids: string[], request: SelectRequest, remaining: number, runs: Map<string, Run[]>): Promise<void> {
  const minIso = new Date(request.minMs).toISOString();
  const maxIso = new Date(request.maxMs).toISOString();
  // Compacted blocks are fetched whole, so what they hold counts against the budget before
  // they are read (the grid then keeps only the samples the windows need). Each series' blocks
  // are decoded as they arrive, while PostgreSQL sends the next.
  const blocks = new Map<string, Run>();
  let compacted: CompactedView;
  try {
    compacted = await readSampleBlocks(pool, {
      seriesIds: ids, minMs: request.minMs, maxMs: request.maxMs, limit: remaining,
      onBlocks: (row) => blocks.set(row.seriesId, decodePart(blocksPart(row), request.grid, false)),
    });
  } catch (err) {
    if (err instanceof BlockLimitError) throw tooMany();
    throw new PromqlError('unavailable', `sample lookup failed: ${(err as Error).message}`, { cause: err });
  }
  const upto = Number.isFinite(compacted.uptoMs) ? new Date(compacted.uptoMs).toISOString() : '-infinity';
  const values: unknown[] = [
    ids, minIso, maxIso, remaining + 1, upto,
    compacted.dirty.map((d) => d.seriesId), compacted.dirty.map((d) => new Date(d.startMs).toISOString()),
  ];
  let gridFilter = '';
  if (request.grid !== undefined) {
    // r = (t − gridStart) mod step; a sample is read when the next step is within the window: r = 0 or r > step − window.
    const { startMs, stepMs, windowMs } = request.grid;
    values.push(startMs, stepMs, stepMs - windowMs);
    gridFilter = `AND mod(mod(round(date_part('epoch', "time") * 1000)::bigint - $8::bigint, $9::bigint) + $9::bigint, $9::bigint) NOT BETWEEN 1 AND $10::bigint`;
  }
  let raw: pg.QueryArrayResult<[string, number, Buffer, Buffer]>;
  try {
    raw = await pool.query<[string, number, Buffer, Buffer]>({ text: selectRaw(gridFilter, compacted.dirty.length > 0), values, rowMode: 'array' });
  } catch (err) {
    throw new PromqlError('unavailable', `sample lookup failed: ${(err as Error).message}`, { cause: err });
  }
  for (const [id, b] of blocks) runs.set(id, [b]);
  for (const [id, n, t, v] of raw.rows) {
    const r = decodePart(rawPart({ n, t, v }), request.grid, true);
    const prior = runs.get(id);
    if (prior === undefined) runs.set(id, [r]);
    else prior.push(r);
  }
}
