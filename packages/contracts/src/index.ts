export { ALERT_CHANNEL } from './alert-notification.ts';
export {
  decodeIngestNotification,
  encodeIngestNotifications,
  INGEST_CHANNEL,
  ingestNotificationSchema,
  NOTIFY_PAYLOAD_LIMIT,
} from './ingest-notification.ts';
export type { IngestNotification } from './ingest-notification.ts';
export {
  MQTT_ALERT_STATUSES,
  mqttAlertSchema,
  mqttSnapshotSchema,
  mqttStatusSchema,
  mqttSystemStatusSchema,
  SERVER_STATUSES,
} from './mqtt-payloads.ts';
export type { MqttAlert, MqttSnapshot, MqttStatus, MqttSystemStatus } from './mqtt-payloads.ts';
export {
  MQTT_ALL_TOPICS,
  MQTT_NO_SERVER,
  MQTT_SYSTEM_STATUS_TOPIC,
  MQTT_TOPIC_ROOT,
  mqttAlertTopic,
  mqttSnapshotTopic,
  mqttStatusTopic,
  parseMqttTopic,
} from './mqtt-topics.ts';
export type { MqttTopic } from './mqtt-topics.ts';
