/** One alert of `POST /api/v2/alerts` (compat §5.1). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

/** An outbox row: an alert of Sextant's own due to be (re)sent. */
export interface OutboxAlert {
  id: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  fired_at: Date | null;
  timestamp: Date;
  resolved_at: Date | null;
  type: string;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Label on every alert the bridge sends. Alertmanager's webhook brings Sextant's own alerts back to
 * the bridge (the sextant receiver sits on the root route); the receiver skips alerts carrying it,
 * so one problem never becomes two alerts.
 */
export const ORIGIN_LABEL = 'sextant_origin';
export const ORIGIN_VALUE = 'sextant';

/**
 * The alert as Prometheus would send it (compat §5.2): `startsAt` when it fired; a firing alert's
 * `endsAt` `validForMs` ahead (4 × max(interval, resend delay)), a resolved one's when it resolved.
 * Label names Alertmanager 0.25 refuses and empty values are left out; `alertname` is always there,
 * and `ORIGIN_LABEL`.
 */
export function toPostableAlert(alert: OutboxAlert, nowMs: number, validForMs: number, externalUrl: string | undefined): PostableAlert {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(alert.labels)) if (LABEL_NAME.test(k) && v !== '') labels[k] = v;
  labels.alertname ??= alert.type;
  labels[ORIGIN_LABEL] = ORIGIN_VALUE;
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(alert.annotations)) if (LABEL_NAME.test(k)) annotations[k] = v;
  const startsAt = (alert.fired_at ?? alert.timestamp).toISOString();
  const endsAt = alert.status === 'resolved' && alert.resolved_at !== null ? alert.resolved_at.toISOString() : new Date(nowMs + validForMs).toISOString();
  return { labels, annotations, startsAt, endsAt, ...(externalUrl === undefined ? {} : { generatorURL: `${externalUrl.replace(/\/$/, '')}/alerts?id=${alert.id}` }) };
}
