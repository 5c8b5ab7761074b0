/** Every topic Sextant publishes lives under this root (ARCHITECTURE.md, "MQTT contract"). */
export const MQTT_TOPIC_ROOT = 'sextant/v1';

/** The subscription that receives everything Sextant publishes. */
export const MQTT_ALL_TOPICS = `${MQTT_TOPIC_ROOT}/#`;

/** Retained `{status: online|offline}` of the Sextant publisher itself; `offline` is its last will. */
export const MQTT_SYSTEM_STATUS_TOPIC = `${MQTT_TOPIC_ROOT}/system/status`;

/** Topic level used in place of a server id for alerts that concern no single server. */
export const MQTT_NO_SERVER = 'none';

/** Retained, QoS 0: the latest snapshot of one server. */
export function mqttSnapshotTopic(serverId: string): string {
  return `${MQTT_TOPIC_ROOT}/servers/${level(serverId)}/snapshot`;
}

/** Retained, QoS 1: whether one server is up, down or unknown. */
export function mqttStatusTopic(serverId: string): string {
  return `${MQTT_TOPIC_ROOT}/servers/${level(serverId)}/status`;
}

/** Not retained, QoS 1: one change of one alert (fired, resolved, acknowledged). */
export function mqttAlertTopic(serverId: string | null, alertId: string): string {
  return `${MQTT_TOPIC_ROOT}/alerts/${serverId === null ? MQTT_NO_SERVER : level(serverId)}/${level(alertId)}`;
}

/** What a topic under the root names, or undefined when it is not one Sextant publishes. */
export type MqttTopic =
  | { kind: 'snapshot'; serverId: string }
  | { kind: 'status'; serverId: string }
  | { kind: 'alert'; serverId: string | null; alertId: string }
  | { kind: 'system' };

/** Reads a topic Sextant publishes back into what it names (subscribers dispatch with it). */
export function parseMqttTopic(topic: string): MqttTopic | undefined {
  if (topic === MQTT_SYSTEM_STATUS_TOPIC) return { kind: 'system' };
  const parts = topic.split('/');
  if (parts[0] !== 'sextant' || parts[1] !== 'v1' || parts.length !== 5) return undefined;
  const [, , area, a, b] = parts as [string, string, string, string, string];
  if (area === 'servers' && b === 'snapshot') return { kind: 'snapshot', serverId: a };
  if (area === 'servers' && b === 'status') return { kind: 'status', serverId: a };
  if (area === 'alerts') return { kind: 'alert', serverId: a === MQTT_NO_SERVER ? null : a, alertId: b };
  return undefined;
}

// An id becomes one topic level: it must not add levels or wildcards.
function level(id: string): string {
  if (id === '' || /[/#+]/.test(id) || id.includes('\u0000')) throw new TypeError(`not usable as an MQTT topic level: ${JSON.stringify(id)}`);
  return id;
}
