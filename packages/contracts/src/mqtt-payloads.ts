import { z } from 'zod';

// Payloads of the MQTT contract (ARCHITECTURE.md). Sextant validates what it publishes with these;
// subscribers validate what they receive. Objects are not strict, so fields added later are welcome.

const isoTime = z.iso.datetime({ offset: true });
// A measurement may be missing from a scrape (no such collector, no disk): then it is null.
const reading = z.number().nullable();

/** `sextant/v1/servers/{serverId}/snapshot` (retained, QoS 0): percentages 0–100, bytes per second. */
export const mqttSnapshotSchema = z.object({
  serverId: z.uuid(),
  name: z.string(),
  timestamp: isoTime,
  cpu_usage: reading,
  memory_usage: reading,
  disk_usage: reading,
  load1: reading,
  net_rx_bps: reading,
  net_tx_bps: reading,
});
export type MqttSnapshot = z.output<typeof mqttSnapshotSchema>;

export const SERVER_STATUSES = ['up', 'down', 'unknown'] as const;

/** `sextant/v1/servers/{serverId}/status` (retained, QoS 1): `since` is when this status began. */
export const mqttStatusSchema = z.object({
  serverId: z.uuid(),
  status: z.enum(SERVER_STATUSES),
  since: isoTime,
});
export type MqttStatus = z.output<typeof mqttStatusSchema>;

export const MQTT_ALERT_STATUSES = ['firing', 'resolved', 'acknowledged'] as const;

/** `sextant/v1/alerts/{serverId}/{alertId}` (not retained, QoS 1): the alert as the REST API shows it. */
export const mqttAlertSchema = z.object({
  id: z.uuid(),
  serverId: z.uuid().nullable(),
  ruleId: z.uuid().nullable(),
  type: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  status: z.enum(MQTT_ALERT_STATUSES),
  value: z.number().nullable(),
  timestamp: isoTime,
  resolvedAt: isoTime.nullable(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: isoTime.nullable(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  source: z.enum(['rule', 'system', 'alertmanager']),
  fingerprint: z.string(),
});
export type MqttAlert = z.output<typeof mqttAlertSchema>;

/**
 * `sextant/v1/system/status` (retained, QoS 1): the publisher's own liveness. `offline` is also its
 * last will, which the broker sends when the connection drops; a will cannot know that time, so
 * `since` is absent then.
 */
export const mqttSystemStatusSchema = z.object({
  status: z.enum(['online', 'offline']),
  since: isoTime.optional(),
});
export type MqttSystemStatus = z.output<typeof mqttSystemStatusSchema>;
