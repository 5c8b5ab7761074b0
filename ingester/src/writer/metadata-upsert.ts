import type pg from 'pg';
import type { MetricMetadata } from '../write-batch.ts';

const UPSERT_SQL = `
  INSERT INTO metric_metadata (metric_family, type, help, unit)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
  ON CONFLICT (metric_family) DO UPDATE SET type = excluded.type, help = excluded.help, unit = excluded.unit, updated_at = now()
   WHERE (metric_metadata.type, metric_metadata.help, metric_metadata.unit) IS DISTINCT FROM (excluded.type, excluded.help, excluded.unit)`;

/**
 * What `metric_metadata` still lacks, as far as this process knows (`known`: family → what it last
 * stored). Prometheus resends all metadata every minute, so unchanged families cost no statement.
 * The last entry of a family wins; sorted by family so concurrent upserts lock rows in one order.
 */
export function changedMetadata(known: ReadonlyMap<string, string>, metadata: readonly MetricMetadata[]): MetricMetadata[] {
  const latest = new Map<string, MetricMetadata>();
  for (const m of metadata) if (m.family !== '') latest.set(m.family, m);
  const changed = [...latest.values()].filter((m) => known.get(m.family) !== metadataFingerprint(m));
  return changed.sort((a, b) => (a.family < b.family ? -1 : a.family > b.family ? 1 : 0));
}

/** Upserts `changed` (from `changedMetadata`) in the caller's transaction. */
export async function upsertMetadata(client: pg.ClientBase, changed: readonly MetricMetadata[]): Promise<void> {
  if (changed.length === 0) return;
  await client.query(UPSERT_SQL, [changed.map((m) => m.family), changed.map((m) => m.type), changed.map((m) => m.help), changed.map((m) => m.unit)]);
}

/** What `known` records for a family once its metadata is committed. */
export function metadataFingerprint(m: MetricMetadata): string {
  return JSON.stringify([m.type, m.help, m.unit]);
}
