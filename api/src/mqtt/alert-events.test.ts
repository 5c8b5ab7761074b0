import { describe, expect, it } from 'vitest';
import { createAlertEvents, toAlertEvent } from './alert-events.ts';
import type { AlertEvent, RestAlert } from './alert-events.ts';

const alert: RestAlert = {
  id: '5a4e1b0c-2f0a-4d55-8f0e-9b1f1c2d3e4f',
  serverId: '0b7c6f1e-4c1a-4f57-9a43-2f0f3c1d2e11',
  ruleId: null,
  type: 'threshold',
  severity: 'critical',
  status: 'firing',
  value: 93,
  timestamp: '2026-11-26T10:00:00.000Z',
  resolvedAt: null,
  acknowledgedBy: null,
  acknowledgedAt: null,
  labels: { alertname: 'HighCpu' },
  annotations: {},
  source: 'rule',
  fingerprint: 'f1',
};

describe('alert events', () => {
  it('maps REST alert states to MQTT event states', () => {
    expect(toAlertEvent({ ...alert, status: 'pending' })).toBeUndefined();
    expect(toAlertEvent(alert)?.status).toBe('firing');
    expect(toAlertEvent({ ...alert, acknowledgedBy: 'otto', acknowledgedAt: '2026-11-26T10:05:00.000Z' })?.status).toBe('acknowledged');
    expect(toAlertEvent({ ...alert, status: 'resolved', resolvedAt: '2026-11-26T10:09:00.000Z', acknowledgedAt: '2026-11-26T10:05:00.000Z' })?.status).toBe('resolved');
  });

  it('delivers to every listener until it stops, survives one that throws, refuses events outside the contract, keeps extra fields', () => {
    const errors: unknown[] = [];
    const events = createAlertEvents((err) => errors.push(err));
    const got: AlertEvent[] = [];
    events.subscribe(() => {
      throw new Error('listener bug');
    });
    const stop = events.subscribe((e) => got.push(e));
    events.emit(toAlertEvent(alert)!);
    expect(got).toHaveLength(1);
    expect(errors).toHaveLength(1);
    events.emit(toAlertEvent(alert)!);
    expect(got).toHaveLength(2);
    expect(() => events.emit({ ...toAlertEvent(alert)!, severity: 'fatal' as 'critical' })).toThrow();
    events.emit({ ...toAlertEvent(alert)!, ...{ ruleName: 'High CPU' } });
    expect(got.at(-1)).toMatchObject({ ruleName: 'High CPU' });
    stop();
    events.emit(toAlertEvent(alert)!);
    expect(got).toHaveLength(3);
  });
});
