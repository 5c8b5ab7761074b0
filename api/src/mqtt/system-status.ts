import { MQTT_SYSTEM_STATUS_TOPIC, mqttSystemStatusSchema } from '@sextant/contracts';
import type { MqttMessage } from './outbox.ts';

/** The retained liveness message of the publisher itself (`sextant/v1/system/status`, QoS 1). */
export function systemStatusMessage(status: 'online' | 'offline', since?: Date): MqttMessage {
  const payload = mqttSystemStatusSchema.parse({ status, ...(since === undefined ? {} : { since: since.toISOString() }) });
  return { topic: MQTT_SYSTEM_STATUS_TOPIC, payload: JSON.stringify(payload), qos: 1, retain: true };
}
