import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/**
 * A series' compacted blocks, concatenated oldest first: per block, big-endian int8 start (Unix ms)
 * and int4 sample count in `meta`; per sample, big-endian int4 ms since its block's start in `t` and
 * float8 bits in `v`. Each buffer starts 8-byte aligned.
 */
export interface BlockRow {
  seriesId: string;
  n: number;
  meta: Buffer;
  t: Buffer;
  v: Buffer;
}

/** Thrown when the blocks hold more samples than the caller's limit (nothing more is read). */
export class BlockLimitError extends Error {}

/** What `sample_blocks` holds for some series and span, read in one snapshot (the blocks went to `onBlocks`). */
export interface CompactedView {
  /** The watermark: blocks cover time below it (-Infinity before the first compaction). */
  uptoMs: number;
  /** Blocks below the watermark that late samples made dirty: their raw rows are to be read instead. */
  dirty: { seriesId: string; startMs: number }[];
}

/** Options of readSampleBlocks. */
export interface ReadSampleBlocksOptions {
  seriesIds: readonly string[];
  /** The span (minMs, maxMs] the blocks must touch. */
  minMs: number;
  maxMs: number;
  /** Most samples the blocks may hold in all; past it the read stops with BlockLimitError. */
  limit: number;
  /**
   * Called with each series' clean blocks below the watermark as they arrive. The row's buffers
   * are reused for the next row once it returns: what is kept must be copied or decoded.
   */
  onBlocks: (row: BlockRow) => void;
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Reads the compacted blocks that (minMs, maxMs] touches for `seriesIds`, with the watermark and the
 * dirty blocks of the same snapshot. Each series' blocks come concatenated in one row (a few large
 * fields cost the client far less than thousands of small ones), handed to `onBlocks` while the
 * next rows stream in; one set of buffers serves every row, so a month of samples is not allocated
 * (and collected) again for each query. Refuses (BlockLimitError) when they hold more than `limit`
 * samples. COPY … (FORMAT binary) brings the packed bytes as they are stored, where a query's text
 * results would double them into hex (and pg's binary result mode does not pass bytea through).
 * COPY takes no parameters: the ids are checked to be integers and the bounds are written by
 * `toISOString`, so the literals are safe.
 */
export async function readSampleBlocks(pool: pg.Pool, options: ReadSampleBlocksOptions): Promise<CompactedView> {
  const { seriesIds, minMs, maxMs } = options;
  for (const id of seriesIds) if (!/^\d+$/.test(id)) throw new Error(`series id ${id} is not an integer`);
  const ids = `'{${seriesIds.join(',')}}'::bigint[]`;
  const min = `'${new Date(minMs).toISOString()}'::timestamptz`;
  const max = `'${new Date(maxMs).toISOString()}'::timestamptz`;
  const inRange = `block_start > ${min} - INTERVAL '2 hours' AND block_start <= ${max} AND block_start < (SELECT upto FROM w)`;
  const ms = (col: string) => `round(date_part('epoch', ${col}) * 1000)::int8`;
  const sql = `COPY (
    WITH w AS MATERIALIZED (SELECT upto FROM sample_blocks_watermark)
    -- Per series (LATERAL), with no ORDER BY in the aggregates: the primary key scan hands them the
    -- blocks in order (sorting each series' blocks cost PostgreSQL a fifth of the read), and the
    -- three aggregates see the same order whatever it is; the client sorts by time when needed.
    SELECT id.series_id, NULL::int8, b.n, b.meta, b.t, b.v
      FROM unnest(${ids}) AS id(series_id)
     CROSS JOIN LATERAL (
       SELECT sum(b.n)::int AS n,
              string_agg(int8send(${ms('b.block_start')}) || int4send(b.n), ''::bytea) AS meta,
              string_agg(b.t, ''::bytea) AS t, string_agg(b.v, ''::bytea) AS v
         FROM sample_blocks b
        WHERE b.series_id = id.series_id AND b.${inRange}
          AND NOT EXISTS (SELECT 1 FROM sample_blocks_dirty d WHERE d.series_id = b.series_id AND d.block_start = b.block_start)) b
     WHERE b.n IS NOT NULL
    UNION ALL
    SELECT d.series_id, ${ms('d.block_start')}, -1, NULL, NULL, NULL FROM sample_blocks_dirty d WHERE d.series_id = ANY(${ids}) AND d.${inRange}
    UNION ALL
    SELECT NULL, CASE WHEN isfinite(upto) THEN ${ms('upto')} END, -2, NULL, NULL, NULL FROM w
  ) TO STDOUT (FORMAT binary)`;
  const parser = new CopyParser(options.limit, options.onBlocks);
  const client = await pool.connect();
  try {
    const stream = client.query(copyTo(sql, { highWaterMark: 1 << 24 }));
    for await (const chunk of stream) parser.push(chunk as Buffer);
  } catch (err) {
    client.release(err as Error);
    throw err;
  }
  client.release();
  return parser.end();
}

const int8 = (b: Buffer | null): number => (b === null ? Number.NaN : b.readInt32BE(0) * 0x1_0000_0000 + b.readUInt32BE(4));

/**
 * COPY's binary format (a 19-byte header, then tuples of length-prefixed fields, then -1), parsed as
 * the chunks arrive: each field is copied once, straight into an aligned buffer (so the packed
 * arrays can be byte-swapped and viewed in place), one per column, grown as needed and reused from
 * row to row.
 */
class CopyParser {
  private readonly view: CompactedView = { uptoMs: Number.NEGATIVE_INFINITY, dirty: [] };
  private readonly columns: Buffer[] = [];
  private readonly small = Buffer.alloc(19);
  private have = 0;
  private need = 19;
  private phase: 'header' | 'count' | 'length' | 'data' | 'done' = 'header';
  private fieldsLeft = 0;
  private fields: (Buffer | null)[] = [];
  private data: Buffer = Buffer.alloc(0);
  private samples = 0;
  private readonly limit: number;
  private readonly onBlocks: (row: BlockRow) => void;

  /** `limit`: most samples the blocks may hold in all (checked before their bytes are read). */
  constructor(limit: number, onBlocks: (row: BlockRow) => void) {
    this.limit = limit;
    this.onBlocks = onBlocks;
  }

  push(chunk: Buffer): void {
    for (let i = 0; i < chunk.length && this.phase !== 'done';) {
      if (this.phase === 'data') {
        const n = Math.min(this.data.length - this.have, chunk.length - i);
        chunk.copy(this.data, this.have, i, i + n);
        this.have += n;
        i += n;
        if (this.have === this.data.length) this.field(this.data);
        continue;
      }
      const n = Math.min(this.need - this.have, chunk.length - i);
      chunk.copy(this.small, this.have, i, i + n);
      this.have += n;
      i += n;
      if (this.have < this.need) continue;
      this.have = 0;
      if (this.phase === 'header') {
        if (!this.small.subarray(0, 11).equals(SIGNATURE) || this.small.readInt32BE(15) !== 0) throw new Error('COPY answered in an unknown format');
        this.expect('count', 2);
      } else if (this.phase === 'count') {
        const count = this.small.readInt16BE(0);
        if (count < 0) this.phase = 'done';
        else {
          this.fieldsLeft = count;
          this.fields = [];
          if (count > 0) this.expect('length', 4);
        }
      } else {
        const length = this.small.readInt32BE(0);
        if (length <= 0) this.field(length < 0 ? null : Buffer.alloc(0));
        else {
          this.data = this.column(this.fields.length, length);
          this.phase = 'data';
        }
      }
    }
  }

  end(): CompactedView {
    if (this.phase !== 'done') throw new Error('COPY ended early');
    return this.view;
  }

  /** `bytes` of column `i`'s buffer, which grows (at least doubling) when too small. */
  private column(i: number, bytes: number): Buffer {
    let b = this.columns[i];
    if (b === undefined || b.length < bytes) this.columns[i] = b = Buffer.allocUnsafeSlow(Math.max(bytes, 2 * (b?.length ?? 0)));
    return b.subarray(0, bytes);
  }

  private expect(phase: 'count' | 'length', bytes: number): void {
    this.phase = phase;
    this.need = bytes;
    this.have = 0;
  }

  private field(value: Buffer | null): void {
    this.fields.push(value);
    this.have = 0;
    if (this.fields.length === 3 && value !== null) {
      const n = value.readInt32BE(0);
      if (n > 0 && (this.samples += n) > this.limit) throw new BlockLimitError(`the blocks hold more than ${this.limit} samples`);
    }
    if (--this.fieldsLeft > 0) {
      this.expect('length', 4);
      return;
    }
    const [id, start, n, meta, t, v] = this.fields;
    const kind = (n as Buffer).readInt32BE(0);
    if (kind === -2) this.view.uptoMs = start === null ? Number.NEGATIVE_INFINITY : int8(start ?? null);
    else if (kind === -1) this.view.dirty.push({ seriesId: String(int8(id ?? null)), startMs: int8(start ?? null) });
    else this.onBlocks({ seriesId: String(int8(id ?? null)), n: kind, meta: meta as Buffer, t: t as Buffer, v: v as Buffer });
    this.expect('count', 2);
  }
}
