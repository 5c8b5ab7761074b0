import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FamilySet } from '../family-set.ts';
import { createUdpQueuesCollector, parseUdpQueues } from './udp-queues-collector.ts';

const procfs = path.join(import.meta.dirname, '../../testdata/proc');

describe('udp_queues collector', () => {
  it('sums tx_queue and rx_queue per IP version', async () => {
    const out = new FamilySet();
    await createUdpQueuesCollector({ procfs, sysfs: '/', rootfs: '/' }).collect(out, new AbortController().signal);
    expect(out.families.get('node_udp_queues')!.samples).toEqual([
      { labels: { ip: 'v4', queue: 'tx' }, value: 0x100 },
      { labels: { ip: 'v4', queue: 'rx' }, value: 0x900 },
      { labels: { ip: 'v6', queue: 'tx' }, value: 0 },
      { labels: { ip: 'v6', queue: 'rx' }, value: 0x340 },
    ]);
  });

  it('gives zeros for a header-only file and fails when both files are missing', () => {
    expect(parseUdpQueues('  sl  local_address rem_address   st tx_queue rx_queue tr\n')).toEqual({ tx: 0, rx: 0 });
    const collector = createUdpQueuesCollector({ procfs: '/nonexistent', sysfs: '/', rootfs: '/' });
    expect(() => collector.collect(new FamilySet(), new AbortController().signal)).toThrow(/udp/);
  });
});
