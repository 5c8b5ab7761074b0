import type pg from 'pg';
import { listPartitions } from './partitions.ts';
import { inTransaction } from './with-transaction.ts';

/** The transaction-level advisory lock that writers take shared and compaction exclusively (0005-sample-blocks.ts). */
export const COMPACTION_LOCK = 0x5e_7a_05;

/** Length of one block of `sample_blocks` (Prometheus's head chunk range). */
export const SAMPLE_BLOCK_MS = 2 * 3_600_000;
const DAY = 86_400_000;
// One block span per round, built a range of series ids per transaction: every write takes the
// compaction lock shared, so every write waits while a transaction of the round holds it.
const ROUND_MS = SAMPLE_BLOCK_MS;
const SERIES_PER_TRANSACTION = 2000;
const MAX_ROUNDS = 10_000;

const BLOCK_OF = `date_bin(INTERVAL '2 hours', s."time", TIMESTAMPTZ 'epoch')`;
const ms = (time: string) => `round(date_part('epoch', ${time}) * 1000)::int8`;

// Packs one block's samples, oldest first: big-endian int4 ms since the block's start (`start`),
// and float8 bits (a stale marker keeps its NaN payload).
const packed = (start: string) => `count(*)::int,
  string_agg(int4send((${ms('s."time"')} - ${ms(start)})::int4), ''::bytea ORDER BY s."time"),
  string_agg(float8send(s.value), ''::bytea ORDER BY s."time")`;

export interface CompactOptions {
  /** Blocks that end more than `closeAfterMs` (default 1 hour) before `now` are closed and built. */
  now: Date;
  closeAfterMs?: number;
  /** Series ids built per transaction (default 2000); writers wait for one such transaction at most. */
  seriesPerTransaction?: number;
}

export interface CompactReport {
  /** Blocks built from time below the old watermark's new position, and dirty blocks rebuilt. */
  built: number;
  rebuilt: number;
  /** The watermark afterwards (-Infinity when nothing was ever compacted). */
  uptoMs: number;
}

async function firstSampleMs(client: pg.ClientBase): Promise<number | undefined> {
  const partitions = await listPartitions(client, 'samples');
  const first = partitions[0];
  if (first !== undefined) return first.upper.getTime() - DAY;
  const min = await client.query<{ t: Date | null }>('SELECT min("time") AS t FROM samples');
  return min.rows[0]?.t?.getTime() ?? undefined;
}

/** Runs `work` in a transaction that holds the compaction lock exclusively. */
function locked<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  return inTransaction(client, async () => {
    // The exclusive lock waits for every writer in flight (each holds it shared until it commits)
    // and keeps new ones out until COMMIT; the statements after it see all of their samples.
    await client.query('SELECT pg_advisory_xact_lock($1)', [COMPACTION_LOCK]);
    return work();
  });
}

/**
 * Rebuilds the dirty blocks and picks the next span [fromMs, toMs). With `whole`, builds the span
 * for every series and moves `upto` past it in this same transaction; otherwise raises
 * `building_upto` to its end, so from this commit on every write of a sample in the span marks its
 * block dirty while the span is built a range of series at a time.
 */
async function startRound(client: pg.ClientBase, targetMs: number, whole: boolean): Promise<{ fromMs: number; toMs: number; rebuilt: number; built: number }> {
  return locked(client, async () => {
    const row = await client.query<{ upto: Date | string }>('SELECT upto FROM sample_blocks_watermark FOR UPDATE');
    const upto = row.rows[0]?.upto;
    if (upto === undefined) throw new Error('sample_blocks_watermark has no row');
    let fromMs = upto instanceof Date ? upto.getTime() : Number.NEGATIVE_INFINITY;
    const rebuilt = await client.query(
      `WITH d AS (DELETE FROM sample_blocks_dirty RETURNING series_id, block_start)
       INSERT INTO sample_blocks (series_id, block_start, n, t, v)
       SELECT s.series_id, d.block_start, ${packed('d.block_start')}
         FROM d JOIN samples s ON s.series_id = d.series_id AND s."time" >= d.block_start AND s."time" < d.block_start + INTERVAL '2 hours'
        GROUP BY s.series_id, d.block_start
       ON CONFLICT (series_id, block_start) DO UPDATE SET n = EXCLUDED.n, t = EXCLUDED.t, v = EXCLUDED.v`,
    );
    if (!Number.isFinite(fromMs)) {
      const first = await firstSampleMs(client);
      if (first === undefined) return { fromMs, toMs: fromMs, rebuilt: rebuilt.rowCount ?? 0, built: 0 };
      fromMs = Math.floor(first / SAMPLE_BLOCK_MS) * SAMPLE_BLOCK_MS;
    }
    const toMs = Math.max(fromMs, Math.min(targetMs, fromMs + ROUND_MS));
    if (toMs <= fromMs) return { fromMs, toMs, rebuilt: rebuilt.rowCount ?? 0, built: 0 };
    if (!whole) {
      await client.query('UPDATE sample_blocks_watermark SET building_upto = $1', [new Date(toMs)]);
      return { fromMs, toMs, rebuilt: rebuilt.rowCount ?? 0, built: 0 };
    }
    const built = await buildSpan(client, fromMs, toMs);
    await client.query('UPDATE sample_blocks_watermark SET upto = $1', [new Date(toMs)]);
    return { fromMs, toMs, rebuilt: rebuilt.rowCount ?? 0, built };
  });
}

/** Builds the span's blocks (of the series ids in [lo, hi) when given) from every sample committed so far. */
async function buildSpan(client: pg.ClientBase, fromMs: number, toMs: number, ids?: { lo: number; hi: number }): Promise<number> {
  const built = await client.query(
    `INSERT INTO sample_blocks (series_id, block_start, n, t, v)
     SELECT s.series_id, ${BLOCK_OF}, ${packed(BLOCK_OF)}
       FROM samples s WHERE s."time" >= $1 AND s."time" < $2 ${ids === undefined ? '' : 'AND s.series_id >= $3 AND s.series_id < $4'}
      GROUP BY 1, 2
     ON CONFLICT (series_id, block_start) DO UPDATE SET n = EXCLUDED.n, t = EXCLUDED.t, v = EXCLUDED.v`,
    ids === undefined ? [new Date(fromMs), new Date(toMs)] : [new Date(fromMs), new Date(toMs), ids.lo, ids.hi],
  );
  return built.rowCount ?? 0;
}

/**
 * Builds the span's blocks of the series ids in [lo, hi) and drops their dirty marks in the span:
 * under the exclusive lock, this build holds every sample those marks stood for.
 */
async function buildRange(client: pg.ClientBase, fromMs: number, toMs: number, lo: number, hi: number): Promise<number> {
  return locked(client, async () => {
    await client.query('DELETE FROM sample_blocks_dirty WHERE block_start >= $1 AND block_start < $2 AND series_id >= $3 AND series_id < $4', [
      new Date(fromMs),
      new Date(toMs),
      lo,
      hi,
    ]);
    return buildSpan(client, fromMs, toMs, { lo, hi });
  });
}

async function round(client: pg.ClientBase, targetMs: number, perTransaction: number): Promise<{ built: number; rebuilt: number; uptoMs: number; done: boolean }> {
  // Series created after this read have no block to build in the span: a late sample of theirs is
  // marked dirty (it is below building_upto) and read raw.
  const ids = await client.query<{ lo: string | null; hi: string | null }>('SELECT min(id)::text AS lo, max(id)::text AS hi FROM series');
  const lo = ids.rows[0]?.lo == null ? 0 : Number(ids.rows[0].lo);
  const hi = ids.rows[0]?.hi == null ? 0 : Number(ids.rows[0].hi);
  // A fleet whose series fit one range is built in one transaction per span.
  const whole = hi - lo < perTransaction;
  const { fromMs, toMs, rebuilt, built: wholeBuilt } = await startRound(client, targetMs, whole);
  if (toMs <= fromMs) return { built: 0, rebuilt, uptoMs: fromMs, done: true };
  let built = wholeBuilt;
  if (!whole) {
    for (let from = lo; from <= hi; from += perTransaction) built += await buildRange(client, fromMs, toMs, from, from + perTransaction);
    await locked(client, () => client.query('UPDATE sample_blocks_watermark SET upto = $1', [new Date(toMs)]));
  }
  return { built, rebuilt, uptoMs: toMs, done: toMs >= targetMs };
}

/**
 * Builds `sample_blocks` for closed blocks not built yet (a 2-hour span per round, a range of
 * series per transaction) and rebuilds the blocks that late samples made dirty, advancing the
 * watermark. Safe to run concurrently with writers; the caller keeps two compactions from running
 * at once (the maintenance lock does).
 */
export async function compactSampleBlocks(client: pg.ClientBase, options: CompactOptions): Promise<CompactReport> {
  const targetMs = Math.floor((options.now.getTime() - (options.closeAfterMs ?? 3_600_000)) / SAMPLE_BLOCK_MS) * SAMPLE_BLOCK_MS;
  const report: CompactReport = { built: 0, rebuilt: 0, uptoMs: Number.NEGATIVE_INFINITY };
  for (let i = 0; i < MAX_ROUNDS; i++) {
    const r = await round(client, targetMs, Math.max(1, options.seriesPerTransaction ?? SERIES_PER_TRANSACTION));
    report.built += r.built;
    report.rebuilt += r.rebuilt;
    report.uptoMs = r.uptoMs;
    if (r.done) break;
  }
  return report;
}

/** Drops the blocks (and dirty marks) of time before `cutoff`, once retention has dropped their samples. */
export async function dropSampleBlocksBefore(client: pg.ClientBase, cutoff: Date): Promise<number> {
  await client.query('DELETE FROM sample_blocks_dirty WHERE block_start < $1', [cutoff]);
  return (await client.query('DELETE FROM sample_blocks WHERE block_start < $1', [cutoff])).rowCount ?? 0;
}
