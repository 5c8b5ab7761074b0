import type pg from 'pg';
import { listPartitions } from './partitions.ts';

/** The transaction-level advisory lock that writers take shared and compaction exclusively (0005-sample-blocks.ts). */
export const COMPACTION_LOCK = 0x5e_7a_05;

/** Length of one block of `sample_blocks` (Prometheus's head chunk range). */
export const SAMPLE_BLOCK_MS = 2 * 3_600_000;
const DAY = 86_400_000;
// One block span per transaction: every write takes the compaction lock shared, so every write
// waits while a round holds it; a round builds no more than one span to keep that short.
const ROUND_MS = SAMPLE_BLOCK_MS;
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

async function round(client: pg.ClientBase, targetMs: number): Promise<{ built: number; rebuilt: number; uptoMs: number; done: boolean }> {
  // The exclusive lock waits for every writer in flight (each holds it shared until it commits) and
  // keeps new ones out until COMMIT; the statements after it see all of their samples.
  await client.query('SELECT pg_advisory_xact_lock($1)', [COMPACTION_LOCK]);
  const locked = await client.query<{ upto: Date | string }>('SELECT upto FROM sample_blocks_watermark FOR UPDATE');
  const upto = locked.rows[0]?.upto;
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
    if (first === undefined) return { built: 0, rebuilt: rebuilt.rowCount ?? 0, uptoMs: fromMs, done: true };
    fromMs = Math.floor(first / SAMPLE_BLOCK_MS) * SAMPLE_BLOCK_MS;
  }
  const toMs = Math.min(targetMs, fromMs + ROUND_MS);
  if (toMs <= fromMs) return { built: 0, rebuilt: rebuilt.rowCount ?? 0, uptoMs: fromMs, done: true };
  const built = await client.query(
    `INSERT INTO sample_blocks (series_id, block_start, n, t, v)
     SELECT s.series_id, ${BLOCK_OF}, ${packed(BLOCK_OF)}
       FROM samples s WHERE s."time" >= $1 AND s."time" < $2
      GROUP BY 1, 2
     ON CONFLICT (series_id, block_start) DO UPDATE SET n = EXCLUDED.n, t = EXCLUDED.t, v = EXCLUDED.v`,
    [new Date(fromMs), new Date(toMs)],
  );
  await client.query('UPDATE sample_blocks_watermark SET upto = $1', [new Date(toMs)]);
  return { built: built.rowCount ?? 0, rebuilt: rebuilt.rowCount ?? 0, uptoMs: toMs, done: toMs >= targetMs };
}

/**
 * Builds `sample_blocks` for closed blocks not built yet (a day per transaction) and rebuilds the
 * blocks that late samples made dirty, advancing the watermark. Safe to run concurrently with
 * writers; the caller keeps two compactions from running at once (the maintenance lock does).
 */
export async function compactSampleBlocks(client: pg.ClientBase, options: CompactOptions): Promise<CompactReport> {
  const targetMs = Math.floor((options.now.getTime() - (options.closeAfterMs ?? 3_600_000)) / SAMPLE_BLOCK_MS) * SAMPLE_BLOCK_MS;
  const report: CompactReport = { built: 0, rebuilt: 0, uptoMs: Number.NEGATIVE_INFINITY };
  for (let i = 0; i < MAX_ROUNDS; i++) {
    await client.query('BEGIN');
    let r: Awaited<ReturnType<typeof round>>;
    try {
      r = await round(client, targetMs);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
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
