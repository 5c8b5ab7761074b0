import { describe, expect, it } from 'vitest';
import { mqttSnapshotTopic, mqttStatusTopic } from '@sextant/contracts';
import { homeAssistantDiscovery } from './home-assistant-discovery.ts';

describe('homeAssistantDiscovery', () => {
  const server = { id: '0b7c6f1e-4c1a-4f57-9a43-2f0f3c1d2e11', name: 'web-1' };

  it('describes CPU, memory and disk sensors and an up/down binary sensor as one device', () => {
    const messages = homeAssistantDiscovery('homeassistant', server);
    const node = 'sextant_0b7c6f1e4c1a4f579a432f0f3c1d2e11';
    expect(messages.map((m) => m.topic)).toEqual([
      `homeassistant/sensor/${node}/cpu/config`,
      `homeassistant/sensor/${node}/memory/config`,
      `homeassistant/sensor/${node}/disk/config`,
      `homeassistant/binary_sensor/${node}/up/config`,
    ]);
    for (const m of messages) expect(m).toMatchObject({ retain: true, qos: 1 });
    const [cpu, , , up] = messages.map((m) => JSON.parse(m.payload) as Record<string, unknown>);
    expect(cpu).toMatchObject({ state_topic: mqttSnapshotTopic(server.id), unit_of_measurement: '%', unique_id: `${node}_cpu`, device: { name: 'web-1', identifiers: [node] } });
    expect(cpu!.value_template).toContain('value_json.cpu_usage');
    expect(up).toMatchObject({ state_topic: mqttStatusTopic(server.id), device_class: 'connectivity', unique_id: `${node}_up` });
  });

  it('uses the configured prefix', () => {
    expect(homeAssistantDiscovery('ha', server).every((m) => m.topic.startsWith('ha/'))).toBe(true);
  });
});
