import { describe, expect, it } from 'vitest';
import { duration, formatDuration, parseDuration, positiveDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads Prometheus durations', () => {
    expect(parseDuration('60s')).toBe(60_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('15d')).toBe(15 * 86_400_000);
    expect(parseDuration('1m500ms')).toBe(60_500);
    expect(parseDuration('0')).toBe(0);
  });

  it('rejects what Prometheus rejects', () => {
    for (const bad of ['', '60', 's', '1m1h', '1.5h', '-1s', '1s1s', '10 s']) {
      expect(() => parseDuration(bad), bad).toThrow(RangeError);
    }
  });

  it('formats back', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(400 * 86_400_000)).toBe('1y5w');
    expect(formatDuration(0)).toBe('0s');
  });
});

describe('positiveDuration', () => {
  it('accepts what duration accepts except zero', () => {
    expect(positiveDuration.parse('15d')).toBe(15 * 86_400_000);
    expect(duration.parse('0')).toBe(0);
    expect(positiveDuration.safeParse('0').success).toBe(false);
    expect(positiveDuration.safeParse('0s').success).toBe(false);
  });
});
