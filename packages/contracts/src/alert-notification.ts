/**
 * PostgreSQL LISTEN/NOTIFY channel on which a committed alert change is announced (payload: the
 * alert's id). The alert engine and the Alertmanager bridge NOTIFY it; the bridge's sender and the
 * engine's MQTT relay LISTEN. A wake-up only: the `alerts` table stays the durable log.
 */
export const ALERT_CHANNEL = 'sextant_alert';
