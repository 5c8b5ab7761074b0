import type { Alert } from './alert-schema.ts';

/** A row of `alerts` selected with `ALERT_COLUMNS`. */
export interface AlertRow {
  id: string;
  server_id: string | null;
  rule_id: string | null;
  type: string;
  severity: Alert['severity'];
  status: Alert['status'];
  value: number | null;
  timestamp: Date;
  fired_at: Date | null;
  resolved_at: Date | null;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  source: Alert['source'];
  fingerprint: string;
  silenced: boolean;
}

export const ALERT_COLUMNS = `id, server_id, rule_id, type, severity, status, value, "timestamp", fired_at, resolved_at,
  acknowledged_by, acknowledged_at, labels, annotations, source, fingerprint, silenced`;

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/** The REST shape of an alert row. */
export function alertFromRow(row: AlertRow): Alert {
  return {
    id: row.id, serverId: row.server_id, ruleId: row.rule_id, type: row.type, severity: row.severity, status: row.status,
    value: row.value, timestamp: row.timestamp.toISOString(), firedAt: iso(row.fired_at), resolvedAt: iso(row.resolved_at),
    acknowledgedBy: row.acknowledged_by, acknowledgedAt: iso(row.acknowledged_at), labels: row.labels, annotations: row.annotations,
    source: row.source, fingerprint: row.fingerprint, silenced: row.silenced,
  };
}
