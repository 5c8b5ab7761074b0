import { describe, expect, it } from 'vitest';
import { toPostableAlert } from './postable-alert.ts';

const base = { id: '00000000-0000-4000-8000-000000000001', type: 'threshold', timestamp: new Date('2026-01-02T03:04:00Z'), fired_at: new Date('2026-01-02T03:04:05Z') };

describe('toPostableAlert', () => {
  it('sends a firing alert valid for the given time from now, with alertname and valid labels only', () => {
    const alert = toPostableAlert({ ...base, status: 'firing', resolved_at: null, labels: { alertname: 'HighCpu', 'bad-name': 'x', empty: '' }, annotations: { summary: 's' } }, Date.parse('2026-01-02T03:10:00Z'), 240_000, 'http://sextant:8080/');
    expect(alert).toEqual({
      labels: { alertname: 'HighCpu', sextant_origin: 'sextant' }, annotations: { summary: 's' }, startsAt: '2026-01-02T03:04:05.000Z', endsAt: '2026-01-02T03:14:00.000Z',
      generatorURL: 'http://sextant:8080/alerts?id=00000000-0000-4000-8000-000000000001',
    });
  });

  it('sends a resolved alert with endsAt = when it resolved, and names it after its type when the rule gave no alertname', () => {
    const alert = toPostableAlert({ ...base, status: 'resolved', resolved_at: new Date('2026-01-02T03:05:00Z'), labels: {}, annotations: {} }, Date.now(), 240_000, undefined);
    expect(alert).toEqual({ labels: { alertname: 'threshold', sextant_origin: 'sextant' }, annotations: {}, startsAt: '2026-01-02T03:04:05.000Z', endsAt: '2026-01-02T03:05:00.000Z' });
  });
});
