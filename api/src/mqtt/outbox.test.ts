import { describe, expect, it } from 'vitest';
import { Outbox } from './outbox.ts';
import type { MqttMessage } from './outbox.ts';

const state = (topic: string, payload: string): MqttMessage => ({ topic, payload, qos: 0, retain: true });
const event = (payload: string): MqttMessage => ({ topic: 'sextant/v1/alerts/s/a', payload, qos: 1, retain: false });

describe('Outbox', () => {
  it('keeps the latest retained message per topic, in the order topics last changed', () => {
    const box = new Outbox(10);
    box.add(state('a', '1'));
    box.add(state('b', '1'));
    box.add(state('a', '2'));
    expect(box.size).toBe(2);
    expect(box.drain().map((m) => `${m.topic}=${m.payload}`)).toEqual(['b=1', 'a=2']);
    expect(box.size).toBe(0);
  });

  it('queues events in order and drops the oldest past the limit', () => {
    const box = new Outbox(3);
    const pushed = ['1', '2', '3', '4', '5'].map((p) => box.add(event(p)));
    expect(pushed.map((m) => m?.payload)).toEqual([undefined, undefined, undefined, '1', '2']);
    box.add(state('s', 'x'));
    expect(box.drain().map((m) => m.payload)).toEqual(['x', '3', '4', '5']);
    expect(box.dropped).toBe(2);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new Outbox(0)).toThrow(RangeError);
  });
});
