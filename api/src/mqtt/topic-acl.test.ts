import { describe, expect, it } from 'vitest';
import { canPublish, canSubscribe } from './topic-acl.ts';
import type { MqttPrincipal } from './topic-acl.ts';

const viewer: MqttPrincipal = { userId: 'u', username: 'vera', role: 'viewer' };
const admin: MqttPrincipal = { ...viewer, role: 'admin' };

describe('topic ACL', () => {
  it('lets every role read sextant/v1/ and nothing else', () => {
    for (const p of [viewer, admin]) {
      for (const ok of ['sextant/v1/#', 'sextant/v1/servers/+/snapshot', 'sextant/v1/alerts/#', 'sextant/v1/system/status']) expect(canSubscribe(p, ok), ok).toBe(true);
      for (const bad of ['#', '+/#', '$SYS/#', 'sextant/#', 'sextant/+/servers/#', 'sextant/v1', 'homeassistant/#', 'other']) expect(canSubscribe(p, bad), bad).toBe(false);
    }
  });

  it('lets no client publish, except Home Assistant its status when discovery is on', () => {
    for (const topic of ['sextant/v1/servers/x/status', 'sextant/v2/x', 'other/topic', 'homeassistant/status']) expect(canPublish(admin, topic), topic).toBe(false);
    const ha = { homeAssistantPrefix: 'homeassistant' };
    expect(canPublish(viewer, 'homeassistant/status', ha)).toBe(true);
    expect(canPublish(viewer, 'homeassistant/sensor/x/config', ha)).toBe(false);
    expect(canSubscribe(viewer, 'homeassistant/#', ha)).toBe(true);
  });
});
