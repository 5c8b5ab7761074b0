import { createHash } from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '@sextant/storage';
import { ALERT_CHANNEL } from '@sextant/contracts';
import { ORIGIN_LABEL, ORIGIN_VALUE } from './postable-alert.ts';
import type { WebhookAlert } from './webhook-payload.ts';

const SEVERITIES = new Set(['info', 'warning', 'critical']);

/** Sextant's fingerprint of an Alertmanager alert: Alertmanager's own (a labelset hash), prefixed, or one of ours from the labels. */
export function webhookFingerprint(alert: WebhookAlert): string {
  if (alert.fingerprint !== undefined) return `am:${alert.fingerprint}`;
  const text = Object.keys(alert.labels).sort().map((k) => `${k}\u0001${alert.labels[k]}`).join('\u0002');
  return `am:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

/** The server an alert's `instance` label names: by exporter address, then host name, then server name. */
async function serverFor(client: pg.PoolClient, instance: string | undefined): Promise<string | null> {
  if (instance === undefined || instance === '') return null;
  const host = instance.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const { rows } = await client.query<{ id: string }>(
    `SELECT id FROM servers WHERE address = $1 OR hostname = $2 OR name = $1 OR name = $2
     ORDER BY (address = $1) DESC NULLS LAST, (hostname = $2) DESC NULLS LAST LIMIT 1`,
    [instance, host],
  );
  return rows[0]?.id ?? null;
}

const GO_ZERO_TIME = /^0001-01-01T/;

/**
 * Stores one webhook delivery as Sextant alerts (`source: alertmanager`), in one transaction:
 * a firing alert opens or refreshes the one open alert of its fingerprint; a resolved one closes
 * it (or is kept as history). A re-delivery of an episode already resolved (same fingerprint and
 * startsAt) changes nothing, so retries and repeat_interval re-sends create no duplicates; alerts the
 * bridge itself sent (`ORIGIN_LABEL`) are skipped.
 * NOTIFYs `ALERT_CHANNEL` for every alert it changed; returns their ids.
 */
export async function storeWebhook(pool: pg.Pool, alerts: readonly WebhookAlert[]): Promise<string[]> {
  return withTransaction(pool, async (client) => {
    const changed: string[] = [];
    for (const alert of alerts) {
      // Sextant's own alerts, come back through Alertmanager's routing: already stored.
      if (alert.labels[ORIGIN_LABEL] === ORIGIN_VALUE) continue;
      const fingerprint = webhookFingerprint(alert);
      const startsAt = new Date(alert.startsAt);
      const closedEpisode = await client.query(
        `SELECT 1 FROM alerts WHERE fingerprint = $1 AND status = 'resolved' AND "timestamp" = $2 LIMIT 1`, [fingerprint, startsAt],
      );
      if (closedEpisode.rowCount !== 0) continue;
      const severity = SEVERITIES.has(alert.labels.severity ?? '') ? alert.labels.severity : 'warning';
      const type = alert.labels.alertname ?? 'alertmanager';
      const ended = alert.endsAt !== undefined && !GO_ZERO_TIME.test(alert.endsAt) ? new Date(alert.endsAt) : new Date();
      if (alert.status === 'firing') {
        const serverId = await serverFor(client, alert.labels.instance);
        const { rows } = await client.query<{ id: string; inserted: boolean }>(
          `INSERT INTO alerts (server_id, type, severity, status, "timestamp", fired_at, fingerprint, labels, annotations, source)
           VALUES ($1, $2, $3, 'firing', $4, $4, $5, $6, $7, 'alertmanager')
           ON CONFLICT (fingerprint) WHERE status <> 'resolved'
           DO UPDATE SET labels = EXCLUDED.labels, annotations = EXCLUDED.annotations, severity = EXCLUDED.severity, updated_at = now()
           RETURNING id, (xmax = 0) AS inserted`,
          [serverId, type, severity, startsAt, fingerprint, alert.labels, alert.annotations],
        );
        if (rows[0]!.inserted) changed.push(rows[0]!.id);
        continue;
      }
      const { rows } = await client.query<{ id: string }>(
        `UPDATE alerts SET status = 'resolved', resolved_at = $2, annotations = $3, updated_at = now()
         WHERE fingerprint = $1 AND status <> 'resolved' RETURNING id`,
        [fingerprint, ended, alert.annotations],
      );
      if (rows[0] !== undefined) {
        changed.push(rows[0].id);
        continue;
      }
      // Resolved before Sextant saw it fire (the bridge was down): kept as history.
      const serverId = await serverFor(client, alert.labels.instance);
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO alerts (server_id, type, severity, status, "timestamp", fired_at, resolved_at, fingerprint, labels, annotations, source)
         VALUES ($1, $2, $3, 'resolved', $4, $4, $5, $6, $7, $8, 'alertmanager') RETURNING id`,
        [serverId, type, severity, startsAt, ended, fingerprint, alert.labels, alert.annotations],
      );
      changed.push(inserted.rows[0]!.id);
    }
    for (const id of changed) await client.query('SELECT pg_notify($1, $2)', [ALERT_CHANNEL, id]);
    return changed;
  });
}
