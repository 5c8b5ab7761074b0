import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FamilySet } from '../family-set.ts';
import { createTimeCollector } from './time-collector.ts';

const paths = { procfs: '/nonexistent', sysfs: '/nonexistent', rootfs: '/' };

describe('time collector', () => {
  // Node re-reads the zone (Date and Intl) when TZ is assigned; it is restored after each test.
  let savedTz: string | undefined;
  beforeEach(() => {
    savedTz = process.env.TZ;
    process.env.TZ = 'America/New_York';
  });
  afterEach(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  it('names the zone by the offset in force at each scrape, across DST changes', () => {
    let clock = new Date('2026-03-08T06:59:00Z'); // 01:59 EST, a minute before DST starts
    const collector = createTimeCollector(paths, () => clock);
    const scrape = (): { labels: Record<string, string>; value: number }[] => {
      const out = new FamilySet();
      void collector.collect(out, new AbortController().signal);
      return out.families.get('node_time_zone_offset_seconds')!.samples.map((s) => ({ labels: { ...s.labels }, value: s.value }));
    };
    expect(scrape()).toEqual([{ labels: { time_zone: 'EST' }, value: -5 * 3600 }]);
    clock = new Date('2026-03-08T07:01:00Z'); // 03:01 EDT
    expect(scrape()).toEqual([{ labels: { time_zone: 'EDT' }, value: -4 * 3600 }]);
    clock = new Date('2026-11-01T06:01:00Z'); // 01:01 EST again, after DST ends
    expect(scrape()).toEqual([{ labels: { time_zone: 'EST' }, value: -5 * 3600 }]);
  });
});
