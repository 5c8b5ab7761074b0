import { MQTT_SYSTEM_STATUS_TOPIC, mqttSnapshotTopic, mqttStatusTopic } from '@sextant/contracts';
import type { MqttMessage } from './outbox.ts';

const SENSORS = [
  { key: 'cpu', name: 'CPU usage', field: 'cpu_usage', icon: 'mdi:cpu-64-bit' },
  { key: 'memory', name: 'Memory usage', field: 'memory_usage', icon: 'mdi:memory' },
  { key: 'disk', name: 'Disk usage', field: 'disk_usage', icon: 'mdi:harddisk' },
] as const;

/**
 * Home Assistant MQTT discovery configs for one server (retained): CPU, memory and disk sensors
 * (percent) read from its snapshot topic, and a connectivity binary sensor from its status topic,
 * all grouped as one device and unavailable while Sextant itself is offline.
 * Topic shape: `<prefix>/<component>/<node_id>/<object_id>/config`
 * (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery).
 */
export function homeAssistantDiscovery(prefix: string, server: { id: string; name: string }): MqttMessage[] {
  const node = `sextant_${server.id.replaceAll('-', '')}`;
  const common = {
    device: { identifiers: [node], name: server.name, manufacturer: 'Sextant', model: 'monitored server' },
    availability_topic: MQTT_SYSTEM_STATUS_TOPIC,
    availability_template: "{{ 'online' if value_json.status == 'online' else 'offline' }}",
  };
  const message = (component: string, key: string, config: Record<string, unknown>): MqttMessage => ({
    topic: `${prefix}/${component}/${node}/${key}/config`,
    payload: JSON.stringify({ ...config, unique_id: `${node}_${key}`, object_id: `${node}_${key}`, ...common }),
    qos: 1,
    retain: true,
  });
  return [
    ...SENSORS.map((s) =>
      message('sensor', s.key, {
        name: s.name,
        state_topic: mqttSnapshotTopic(server.id),
        value_template: `{{ value_json.${s.field} | round(1) if value_json.${s.field} is not none else none }}`,
        unit_of_measurement: '%',
        state_class: 'measurement',
        icon: s.icon,
      }),
    ),
    message('binary_sensor', 'up', {
      name: 'Up',
      state_topic: mqttStatusTopic(server.id),
      value_template: "{{ 'ON' if value_json.status == 'up' else 'OFF' }}",
      device_class: 'connectivity',
    }),
  ];
}
