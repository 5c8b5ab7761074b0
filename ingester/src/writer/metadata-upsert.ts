import type pg from 'pg';
import type { MetricMetadata } from '../write-batch.ts';

const UPSERT_SQL = `
  INSERT INTO metric_metadata (metric_family, type, help, unit)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
  ON CONFLICT (metric_family) DO UPDATE SET type = excluded.type, help = excluded.help, unit = excluded.unit, updated_at = now()
   WHERE (metric_metadata.type, metric_metadata.help, metric_metadata.unit) IS DISTINCT FROM (excluded.type, excluded.help, excluded.unit)`;

/**
 * Upserts into `metric_metadata` what differs from what this process last stored; Prometheus resends
 * all metadata every minute, so unchanged families cost no statement. Returns a commit hook that
 * records what the transaction stored (call it only after COMMIT).
 */
export async function upsertMetadata(
  client: pg.ClientBase,
  known: Map<string, string>,
  metadata: readonly MetricMetadata[],
): Promise<() => void> {
  const latest = new Map<string, MetricMetadata>();
  for (const m of metadata) if (m.family !== '') latest.set(m.family, m);
  const changed = [...latest.values()].filter((m) => known.get(m.family) !== fingerprint(m));
  if (changed.length === 0) return () => undefined;
  changed.sort((a, b) => (a.family < b.family ? -1 : a.family > b.family ? 1 : 0));
  await client.query(UPSERT_SQL, [changed.map((m) => m.family), changed.map((m) => m.type), changed.map((m) => m.help), changed.map((m) => m.unit)]);
  return () => {
    for (const m of changed) known.set(m.family, fingerprint(m));
  };
}

function fingerprint(m: MetricMetadata): string {
  return JSON.stringify([m.type, m.help, m.unit]);
}
