import type pg from 'pg';
import { ROLLUP_COLUMNS, ROLLUP_SELECT } from './migrations/rollup-columns.ts';

const HOUR = 3_600_000;
/** Hours behind the watermark that every run recomputes, so late snapshots still count (like a continuous aggregate's start_offset). */
export const ROLLUP_LOOKBACK_HOURS = 3;

/**
 * Plain-PostgreSQL rollup job: (re)computes `metrics_snapshots_1h` for every closed hour from
 * `lookback` hours before the watermark up to the start of the current hour, then advances the
 * watermark. Idempotent: re-running recomputes the same rows.
 */
export async function rollUpSnapshots(client: pg.ClientBase, now: Date): Promise<{ from: Date; to: Date; rows: number } | null> {
  const state = await client.query<{ watermark: Date }>(`SELECT watermark FROM sextant_rollup_state WHERE name = 'metrics_snapshots_1h'`);
  let from: Date;
  if (state.rows[0] !== undefined) {
    from = new Date(state.rows[0].watermark.getTime() - ROLLUP_LOOKBACK_HOURS * HOUR);
  } else {
    const first = await client.query<{ first: Date | null }>(`SELECT min("timestamp") AS first FROM metrics_snapshots`);
    if (first.rows[0]?.first == null) return null;
    from = first.rows[0].first;
  }
  from = new Date(Math.floor(from.getTime() / HOUR) * HOUR);
  const to = new Date(Math.floor(now.getTime() / HOUR) * HOUR);
  if (to <= from) return null;
  const updates = ROLLUP_COLUMNS.map((c) => `${c} = EXCLUDED.${c}`).join(', ');
  const inserted = await client.query(
    `INSERT INTO metrics_snapshots_1h (server_id, bucket, ${ROLLUP_COLUMNS.join(', ')})
     SELECT server_id, sextant_bucket(INTERVAL '1 hour', "timestamp") AS bucket, ${ROLLUP_SELECT}
       FROM metrics_snapshots
      WHERE "timestamp" >= $1 AND "timestamp" < $2
      GROUP BY server_id, bucket
     ON CONFLICT (server_id, bucket) DO UPDATE SET ${updates}`,
    [from, to],
  );
  await client.query(
    `INSERT INTO sextant_rollup_state (name, watermark) VALUES ('metrics_snapshots_1h', $1)
     ON CONFLICT (name) DO UPDATE SET watermark = GREATEST(sextant_rollup_state.watermark, EXCLUDED.watermark)`,
    [to],
  );
  return { from, to, rows: inserted.rowCount ?? 0 };
}
