import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FamilySet } from '../family-set.ts';
import { createSoftnetCollector, parseSoftnet } from './softnet-collector.ts';

const procfs = path.join(import.meta.dirname, '../../testdata/proc');

describe('softnet collector', () => {
  it('reads the first three hex columns per cpu line', async () => {
    const out = new FamilySet();
    await createSoftnetCollector({ procfs, sysfs: '/', rootfs: '/' }).collect(out, new AbortController().signal);
    expect(out.families.get('node_softnet_processed_total')!.samples).toEqual([
      { labels: { cpu: '0' }, value: 0x26554 },
      { labels: { cpu: '1' }, value: 0x29689 },
    ]);
    expect(out.families.get('node_softnet_times_squeezed_total')!.samples[0]!.value).toBe(3);
    expect(out.families.get('node_softnet_dropped_total')).toMatchObject({ type: 'counter', help: 'Number of dropped packets' });
    expect([...out.families.keys()].sort()).toEqual([
      'node_softnet_dropped_total',
      'node_softnet_processed_total',
      'node_softnet_times_squeezed_total',
    ]);
  });

  it('rejects lines narrower than procfs accepts', () => {
    expect(() => parseSoftnet('00000001 00000000 00000000\n', new FamilySet())).toThrow(/columns/);
  });
});
