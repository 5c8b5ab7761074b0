import { describe, expect, it } from 'vitest';
import { delayUntilSlot, targetOffsetMs } from './target-offset.ts';

describe('target offsets', () => {
  it('are stable, within the interval, and spread', () => {
    const offsets = Array.from({ length: 200 }, (_, i) => targetOffsetMs(`host-${i}:9100`, 60_000));
    expect(offsets).toEqual(Array.from({ length: 200 }, (_, i) => targetOffsetMs(`host-${i}:9100`, 60_000)));
    expect(offsets.every((o) => o >= 0 && o < 60_000)).toBe(true);
    // Every 10 s sixth of the interval gets some of 200 targets.
    expect(new Set(offsets.map((o) => Math.floor(o / 10_000))).size).toBe(6);
    expect(targetOffsetMs('host-1:9100', 60_000, 'other-ingester')).not.toBe(offsets[1]);
  });

  it('wait until the next moment at the offset', () => {
    expect(delayUntilSlot(120_000 + 5_000, 60_000, 20_000)).toBe(15_000);
    expect(delayUntilSlot(120_000 + 25_000, 60_000, 20_000)).toBe(55_000);
    expect(delayUntilSlot(120_000 + 20_000, 60_000, 20_000)).toBe(0);
  });
});
