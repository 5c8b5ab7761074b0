import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/** A series' compacted blocks, concatenated oldest first: big-endian int8 Unix ms in `t`, float8 bits in `v`. */
export interface BlockRow {
  seriesId: string;
  n: number;
  t: Buffer;
  v: Buffer;
}

/** What `sample_blocks` holds for some series and span, read in one snapshot. */
export interface CompactedView {
  /** The watermark: blocks cover time below it (-Infinity before the first compaction). */
  uptoMs: number;
  /** Per series, the clean blocks below the watermark that touch the span. */
  blocks: BlockRow[];
  /** Blocks below the watermark that late samples made dirty: their raw rows are to be read instead. */
  dirty: { seriesId: string; startMs: number }[];
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Reads the compacted blocks that (minMs, maxMs] touches for `seriesIds`, with the watermark and the
 * dirty blocks of the same snapshot. Each series' blocks come concatenated in one row (a few large
 * fields cost the client far less than thousands of small ones). COPY … (FORMAT binary) brings the packed bytes as they are
 * stored, where a query's text results would double them into hex (and pg's binary result mode
 * does not pass bytea through). COPY takes no parameters: the ids are checked to be integers and
 * the bounds are written by `toISOString`, so the literals are safe.
 */
export async function readSampleBlocks(pool: pg.Pool, seriesIds: readonly string[], minMs: number, maxMs: number): Promise<CompactedView> {
  for (const id of seriesIds) if (!/^\d+$/.test(id)) throw new Error(`series id ${id} is not an integer`);
  const ids = `'{${seriesIds.join(',')}}'::bigint[]`;
  const min = `'${new Date(minMs).toISOString()}'::timestamptz`;
  const max = `'${new Date(maxMs).toISOString()}'::timestamptz`;
  const inRange = `block_start > ${min} - INTERVAL '2 hours' AND block_start <= ${max} AND block_start < (SELECT upto FROM w)`;
  const ms = (col: string) => `round(date_part('epoch', ${col}) * 1000)::int8`;
  const sql = `COPY (
    WITH w AS MATERIALIZED (SELECT upto FROM sample_blocks_watermark)
    -- Per series (LATERAL), so each ordered aggregate sorts one series' blocks in memory.
    SELECT id.series_id, NULL::int8, b.n, b.t, b.v
      FROM unnest(${ids}) AS id(series_id)
     CROSS JOIN LATERAL (
       SELECT sum(b.n)::int AS n, string_agg(b.t, ''::bytea ORDER BY b.block_start) AS t, string_agg(b.v, ''::bytea ORDER BY b.block_start) AS v
         FROM sample_blocks b
        WHERE b.series_id = id.series_id AND b.${inRange}
          AND NOT EXISTS (SELECT 1 FROM sample_blocks_dirty d WHERE d.series_id = b.series_id AND d.block_start = b.block_start)) b
     WHERE b.n IS NOT NULL
    UNION ALL
    SELECT d.series_id, ${ms('d.block_start')}, -1, NULL, NULL FROM sample_blocks_dirty d WHERE d.series_id = ANY(${ids}) AND d.${inRange}
    UNION ALL
    SELECT NULL, CASE WHEN isfinite(upto) THEN ${ms('upto')} END, -2, NULL, NULL FROM w
  ) TO STDOUT (FORMAT binary)`;
  const client = await pool.connect();
  const chunks: Buffer[] = [];
  try {
    const stream = client.query(copyTo(sql, { highWaterMark: 1 << 24 }));
    for await (const chunk of stream) chunks.push(chunk as Buffer);
  } catch (err) {
    client.release(err as Error);
    throw err;
  }
  client.release();
  return parseCopy(Buffer.concat(chunks));
}

/** Parses COPY's binary format (header, then tuples of length-prefixed fields, then -1). */
function parseCopy(buf: Buffer): CompactedView {
  if (buf.length < 19 || !buf.subarray(0, 11).equals(SIGNATURE)) throw new Error('COPY answered in an unknown format');
  let at = 19 + buf.readInt32BE(15);
  const view: CompactedView = { uptoMs: Number.NEGATIVE_INFINITY, blocks: [], dirty: [] };
  const field = (): Buffer | null => {
    const len = buf.readInt32BE(at);
    at += 4;
    if (len < 0) return null;
    at += len;
    return buf.subarray(at - len, at);
  };
  const int8 = (b: Buffer | null): number => (b === null ? Number.NaN : b.readInt32BE(0) * 0x1_0000_0000 + b.readUInt32BE(4));
  while (at < buf.length) {
    const fields = buf.readInt16BE(at);
    at += 2;
    if (fields < 0) break;
    const id = field();
    const startMs = int8(field());
    const n = (field() as Buffer).readInt32BE(0);
    const t = field();
    const v = field();
    if (n === -2) view.uptoMs = Number.isNaN(startMs) ? Number.NEGATIVE_INFINITY : startMs;
    else if (n === -1) view.dirty.push({ seriesId: String(int8(id)), startMs });
    else view.blocks.push({ seriesId: String(int8(id)), n, t: t as Buffer, v: v as Buffer });
  }
  return view;
}
