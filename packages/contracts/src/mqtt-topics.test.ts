import { describe, expect, it } from 'vitest';
import { mqttAlertTopic, mqttSnapshotTopic, mqttStatusTopic, MQTT_SYSTEM_STATUS_TOPIC, parseMqttTopic } from './mqtt-topics.ts';

const id = '0b7c6f1e-4c1a-4f57-9a43-2f0f3c1d2e11';

describe('MQTT topics', () => {
  it('build the contract topics and read them back', () => {
    expect(mqttSnapshotTopic(id)).toBe(`sextant/v1/servers/${id}/snapshot`);
    expect(mqttStatusTopic(id)).toBe(`sextant/v1/servers/${id}/status`);
    expect(mqttAlertTopic(id, 'a1')).toBe(`sextant/v1/alerts/${id}/a1`);
    expect(parseMqttTopic(mqttSnapshotTopic(id))).toEqual({ kind: 'snapshot', serverId: id });
    expect(parseMqttTopic(mqttStatusTopic(id))).toEqual({ kind: 'status', serverId: id });
    expect(parseMqttTopic(mqttAlertTopic(null, 'a1'))).toEqual({ kind: 'alert', serverId: null, alertId: 'a1' });
    expect(parseMqttTopic(MQTT_SYSTEM_STATUS_TOPIC)).toEqual({ kind: 'system' });
    expect(parseMqttTopic('sextant/v2/servers/x/snapshot')).toBeUndefined();
    expect(parseMqttTopic('sextant/v1/servers/x/other')).toBeUndefined();
  });

  it('refuse ids that would add levels or wildcards', () => {
    for (const bad of ['', 'a/b', '#', 'a+', 'x\u0000']) expect(() => mqttSnapshotTopic(bad)).toThrow(TypeError);
  });
});
