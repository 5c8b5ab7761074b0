import type pg from 'pg';
import { encodeIngestNotifications, INGEST_CHANNEL } from '@sextant/contracts';

const MARK = `
  UPDATE servers SET status = 'unknown', updated_at = now()
  WHERE status = 'up' AND coalesce(last_seen_at, created_at) < to_timestamp($1 / 1000.0)
  RETURNING id`;

const NOTIFY = 'SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p';

/**
 * Servers marked up whose last `up` sample (scraped, or remote-written by a Prometheus) is older
 * than `silentSinceMs` become `unknown`: nothing says they are up any more, and nothing says why.
 * A scrape that fails marks its server down at once, but a server whose data simply stops (its
 * Prometheus gone, or Sextant's ingester) would otherwise show up for ever. The change is announced
 * on the ingest channel (at commit, inside a transaction) so the MQTT fan-out publishes the new
 * status. Answers the ids marked.
 */
export async function markSilentServers(client: pg.ClientBase, silentSinceMs: number, nowMs: number): Promise<string[]> {
  const ids = (await client.query<{ id: string }>(MARK, [silentSinceMs])).rows.map((r) => r.id);
  if (ids.length > 0) await client.query(NOTIFY, [INGEST_CHANNEL, encodeIngestNotifications({ serverIds: ids, timestamp: new Date(nowMs).toISOString() })]);
  return ids;
}
