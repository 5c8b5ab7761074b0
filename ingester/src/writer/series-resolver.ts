import type pg from 'pg';
import type { Labels } from '../write-batch.ts';
import { labelSetKey, seriesRecord } from './label-set-key.ts';

interface CachedSeries {
  id: number;
  /** The labels it was cached with: checked on a hit by producer hash. */
  labels: Labels;
  /** When `series.last_seen_at` was last moved forward by this process (ms). */
  seenAtMs: number;
}

export interface SeriesResolverOptions {
  pool: pg.Pool;
  /** Entries kept before the cache starts over; default 2 000 000. */
  maxEntries?: number;
  /** How stale `series.last_seen_at` may get before a write moves it; default 10 minutes. */
  lastSeenIntervalMs?: number;
}

// One statement creates what is missing and answers every id. Rows are inserted in key order so two
// batches creating the same series lock them in the same order; a series another transaction committed
// after this statement's snapshot comes back NULL and is fetched again by `SELECT_SQL`.
const CREATE_SQL = `
  WITH wanted AS (SELECT * FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (n text, l jsonb)) WITH ORDINALITY AS w(n, l, ord)),
  created AS (
    INSERT INTO series (metric_name, labels)
    SELECT n, l FROM wanted ORDER BY n, l
    ON CONFLICT (metric_name, labels) DO NOTHING
    RETURNING id, metric_name, labels
  )
  SELECT wanted.ord::int AS ord,
         coalesce(created.id, (SELECT series.id FROM series WHERE series.metric_name = wanted.n AND series.labels = wanted.l)) AS id,
         created.id IS NOT NULL AS created
    FROM wanted LEFT JOIN created ON created.metric_name = wanted.n AND created.labels = wanted.l`;
const SELECT_SQL = `
  SELECT wanted.ord::int AS ord, series.id
    FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (n text, l jsonb)) WITH ORDINALITY AS wanted(n, l, ord)
    JOIN series ON series.metric_name = wanted.n AND series.labels = wanted.l`;

/** What the resolver needs of a series: its labels, and the producer's hash of them if any. */
export interface SeriesIdentity {
  labels: Labels;
  labelsHash?: number;
}

// Equal label sets? Label strings from one decoder are interned, so most compares are by identity.
function sameLabels(a: Labels, b: Labels): boolean {
  let count = 0;
  for (const name in b) {
    if (a[name] !== b[name]) return false;
    count++;
  }
  for (const _ in a) count--;
  return count === 0;
}

/** Label sets → `series.id`, through an in-memory cache; unknown series are created in one statement. */
export class SeriesResolver {
  /** By canonical label-set key (`labelSetKey`). */
  private readonly cache = new Map<string, CachedSeries>();
  /** By producer hash (`SeriesSamples.labelsHash`), pointing at the same entries. */
  private readonly byHash = new Map<number, CachedSeries>();
  /** By the labels object itself: a scrape loop, and the remote-write decoder for the same label bytes,
   * hand the same object for a series batch after batch. */
  private byObject = new WeakMap<Labels, CachedSeries>();
  private readonly pool: pg.Pool;
  private readonly maxEntries: number;
  private readonly lastSeenIntervalMs: number;

  constructor(options: SeriesResolverOptions) {
    this.pool = options.pool;
    this.maxEntries = options.maxEntries ?? 2_000_000;
    this.lastSeenIntervalMs = options.lastSeenIntervalMs ?? 600_000;
  }

  /** Ids for each label set (same order), how many series were new, and the ids whose last_seen_at is due. */
  async resolve(series: readonly SeriesIdentity[], nowMs: number): Promise<{ ids: number[]; created: number; seen: number[] }> {
    const ids = new Array<number>(series.length);
    const seen: number[] = [];
    const missing = new Map<string, number[]>();
    for (let i = 0; i < series.length; i++) {
      const { labels, labelsHash } = series[i]!;
      // Label sets are never modified in place, so an object seen before names the same series.
      let hit = this.byObject.get(labels);
      if (hit === undefined && labelsHash !== undefined) {
        hit = this.byHash.get(labelsHash);
        if (hit !== undefined && !sameLabels(hit.labels, labels)) hit = undefined;
        if (hit !== undefined) this.byObject.set(labels, hit);
      }
      const key = hit === undefined ? labelSetKey(labels) : '';
      if (hit === undefined) {
        hit = this.cache.get(key);
        if (hit !== undefined) {
          if (labelsHash !== undefined) this.byHash.set(labelsHash, hit);
          this.byObject.set(labels, hit);
        }
      }
      if (hit !== undefined) {
        ids[i] = hit.id;
        if (nowMs - hit.seenAtMs >= this.lastSeenIntervalMs) {
          hit.seenAtMs = nowMs;
          seen.push(hit.id);
        }
      } else {
        const positions = missing.get(key);
        if (positions === undefined) missing.set(key, [i]);
        else positions.push(i);
      }
    }
    let created = 0;
    if (missing.size > 0) {
      const keys = [...missing.keys()];
      // One JSON document for all of them: cheaper to build and to parse than two text arrays.
      const wanted = `[${keys.map((key) => seriesRecord(series[missing.get(key)![0]!]!.labels)).join(',')}]`;
      const found = new Map<number, number>();
      const first = await this.pool.query<{ ord: number; id: string | null; created: boolean }>(CREATE_SQL, [wanted]);
      for (const row of first.rows) {
        if (row.id !== null) found.set(row.ord, Number(row.id));
        if (row.created) created++;
      }
      if (found.size < keys.length) {
        const again = await this.pool.query<{ ord: number; id: string }>(SELECT_SQL, [wanted]);
        for (const row of again.rows) found.set(row.ord, Number(row.id));
      }
      if (this.cache.size + keys.length > this.maxEntries || this.byHash.size > 2 * this.maxEntries) {
        this.cache.clear();
        this.byHash.clear();
        this.byObject = new WeakMap();
      }
      keys.forEach((key, k) => {
        const id = found.get(k + 1);
        if (id === undefined) throw new Error(`series ${key} was neither created nor found`);
        const positions = missing.get(key)!;
        // As if seen at a random point of the last interval: series created together (every series
        // of a fleet at start-up) come due one by one over an interval, not in one burst of updates.
        const entry = { id, labels: series[positions[0]!]!.labels, seenAtMs: nowMs - Math.random() * this.lastSeenIntervalMs };
        this.cache.set(key, entry);
        for (const position of positions) {
          ids[position] = id;
          const labelsHash = series[position]!.labelsHash;
          if (labelsHash !== undefined) this.byHash.set(labelsHash, entry);
          this.byObject.set(series[position]!.labels, entry);
        }
      });
    }
    return { ids, created, seen };
  }

  /** Moves `series.last_seen_at` of `ids` to now (once per `lastSeenIntervalMs` per series, not per sample). */
  async touch(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.pool.query('UPDATE series SET last_seen_at = now() WHERE id = ANY($1::int8[])', [ids]);
  }
}
