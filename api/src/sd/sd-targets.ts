import type pg from 'pg';
import { queryJsonText } from '../servers/query-json-text.ts';

/** A Prometheus HTTP SD target group (compat: `http_sd_configs` answer format). */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

// Meta labels are only visible to relabeling (dropped after it); server labels are attached to
// every scraped series as they are (their names are validated as Prometheus label names on input).
const TARGETS = `
  SELECT coalesce(json_agg(json_build_object(
    'targets', json_build_array(s.address),
    'labels', s.labels || jsonb_build_object(
      '__meta_sextant_server_id', s.id::text,
      '__meta_sextant_server_name', s.name,
      '__meta_sextant_hostname', coalesce(s.hostname, ''),
      '__meta_sextant_ip_address', coalesce(host(s.ip_address), ''),
      '__meta_sextant_status', s.status)
      || coalesce((SELECT jsonb_object_agg('__meta_sextant_label_' || k, v) FROM jsonb_each_text(s.labels) AS e(k, v)), '{}'::jsonb)
  ) ORDER BY s.name), '[]'::json)::text AS body
  FROM servers s
  WHERE s.address IS NOT NULL`;

/**
 * Every server with an exporter address as Prometheus HTTP service discovery target groups, one
 * group per server, as JSON text (always an array, `[]` when there are none, as Prometheus requires).
 */
export async function sdTargets(pool: pg.Pool): Promise<string> {
  return (await queryJsonText(pool, 'sextant-sd-targets', TARGETS))!;
}
