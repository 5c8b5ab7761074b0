import type pg from 'pg';
import { encodeIngestNotifications, INGEST_CHANNEL } from '@sextant/contracts';

// Rows another writer holds (the ingester setting a status) are skipped: this pass leaves them to
// it, and the next pass looks again. So the sweep never waits on, or deadlocks with, the ingester.
const MARK = `
  UPDATE servers s SET status = 'unknown', updated_at = now()
  FROM (
    SELECT id FROM servers
    WHERE status = 'up' AND coalesce(last_seen_at, created_at) < to_timestamp($1 / 1000.0)
    FOR UPDATE SKIP LOCKED
  ) silent
  WHERE s.id = silent.id
  RETURNING s.id`;

const NOTIFY = 'SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p';

/**
 * Servers marked up whose last `up` sample (scraped, or remote-written by a Prometheus) is older
 * than `silentSinceMs` become `unknown`: nothing says they are up any more, and nothing says why.
 * A scrape that fails marks its server down at once, but a server whose data simply stops (its
 * Prometheus gone, or Sextant's ingester) would otherwise show up for ever. The change is announced
 * on the ingest channel so the MQTT fan-out publishes the new status (should the announcement be
 * lost, its periodic re-read finds the change). Answers the ids marked.
 */
export async function markSilentServers(pool: pg.Pool, silentSinceMs: number, nowMs: number): Promise<string[]> {
  const ids = (await pool.query<{ id: string }>(MARK, [silentSinceMs])).rows.map((r) => r.id);
  if (ids.length > 0) await pool.query(NOTIFY, [INGEST_CHANNEL, encodeIngestNotifications({ serverIds: ids, timestamp: new Date(nowMs).toISOString() })]);
  return ids;
}
