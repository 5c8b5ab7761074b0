import type pg from 'pg';
import { queryJsonText } from '../servers/query-json-text.ts';

/** A Prometheus HTTP SD target group (compat: `http_sd_configs` answer format). */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

// Meta labels are only visible to relabeling (dropped after it); server labels are attached to
// every scraped series as they are. Prometheus refuses a whole SD answer when one label name is
// invalid, so names that are not Prometheus label names (or are reserved, `__…`) are left out:
// the API validates names on input, but servers the ingester registers itself are not checked there.
const TARGETS = `
  SELECT coalesce(json_agg(json_build_object(
    'targets', json_build_array(s.address),
    'labels', coalesce(l.labels, '{}'::jsonb) || jsonb_build_object(
      '__meta_sextant_server_id', s.id::text,
      '__meta_sextant_server_name', s.name,
      '__meta_sextant_hostname', coalesce(s.hostname, ''),
      '__meta_sextant_ip_address', coalesce(host(s.ip_address), ''),
      '__meta_sextant_status', s.status)
  ) ORDER BY s.name), '[]'::json)::text AS body
  FROM servers s
  LEFT JOIN LATERAL (
    SELECT jsonb_object_agg(k, v) || jsonb_object_agg('__meta_sextant_label_' || k, v) AS labels
    FROM jsonb_each_text(s.labels) AS e(k, v)
    WHERE k ~ '^[a-zA-Z_][a-zA-Z0-9_]*$' AND left(k, 2) <> '__'
  ) l ON true
  WHERE s.address IS NOT NULL AND s.address <> ''`;

/**
 * Every server with an exporter address as Prometheus HTTP service discovery target groups, one
 * group per server, as JSON text (always an array, `[]` when there are none, as Prometheus requires).
 */
export async function sdTargets(pool: pg.Pool): Promise<string> {
  return (await queryJsonText(pool, 'sextant-sd-targets', TARGETS))!;
}
