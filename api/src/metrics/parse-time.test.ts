import { describe, expect, it } from 'vitest';
import { parseTime } from './parse-time.ts';

const now = Date.UTC(2026, 2, 10, 12, 0, 0);

describe('parseTime', () => {
  it('reads RFC 3339 times', () => {
    expect(parseTime('2026-03-10T11:00:00Z', now)).toBe(Date.UTC(2026, 2, 10, 11));
    expect(parseTime('2026-03-10T13:30:00+02:00', now)).toBe(Date.UTC(2026, 2, 10, 11, 30));
  });

  it('reads Unix seconds with a fraction, as Prometheus takes them', () => {
    expect(parseTime('1773144000', now)).toBe(1_773_144_000_000);
    expect(parseTime('1773144000.25', now)).toBe(1_773_144_000_250);
  });

  it('reads times relative to now', () => {
    expect(parseTime('now', now)).toBe(now);
    expect(parseTime('now-6h', now)).toBe(now - 6 * 3_600_000);
    expect(parseTime('now-1d12h', now)).toBe(now - 36 * 3_600_000);
    expect(parseTime('now+5m', now)).toBe(now + 300_000);
  });

  it('refuses anything else with the input in the message', () => {
    for (const bad of ['', 'yesterday', 'now-6x', 'now-', '12:00', '2026-13-45T00:00:00Z', '1e9']) {
      expect(() => parseTime(bad, now), bad).toThrow(RangeError);
    }
    expect(() => parseTime('soon', now)).toThrow(/"soon"/);
  });
});
