import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FamilySet } from '../family-set.ts';
import { createSockstatCollector, parseSockstat, readPageSize } from './sockstat-collector.ts';

const procfs = path.join(import.meta.dirname, '../../testdata/proc');

describe('sockstat collector', () => {
  it('names every protocol state like node_exporter, mem in pages and bytes', () => {
    const out = new FamilySet();
    parseSockstat('sockets: used 229\nTCP: inuse 4 orphan 0 tw 4 alloc 17 mem 3\nUDP: inuse 0 mem 2\nFRAG: inuse 0 memory 0\n', 4096, out);
    const got = Object.fromEntries([...out.families.values()].map((f) => [f.name, f.samples[0]!.value]));
    expect(got).toEqual({
      node_sockstat_sockets_used: 229,
      node_sockstat_TCP_inuse: 4,
      node_sockstat_TCP_orphan: 0,
      node_sockstat_TCP_tw: 4,
      node_sockstat_TCP_alloc: 17,
      node_sockstat_TCP_mem: 3,
      node_sockstat_TCP_mem_bytes: 3 * 4096,
      node_sockstat_UDP_inuse: 0,
      node_sockstat_UDP_mem: 2,
      node_sockstat_UDP_mem_bytes: 2 * 4096,
      node_sockstat_FRAG_inuse: 0,
      node_sockstat_FRAG_memory: 0,
    });
    expect(out.families.get('node_sockstat_TCP_tw')).toMatchObject({ type: 'gauge', help: 'Number of TCP sockets in state tw.' });
    expect(out.families.get('node_sockstat_sockets_used')!.help).toBe('Number of IPv4 sockets in use.');
  });

  it('reads sockstat and sockstat6 from procfs', async () => {
    const out = new FamilySet();
    await createSockstatCollector({ paths: { procfs, sysfs: '/', rootfs: '/' }, pageSize: 4096 }).collect(out, new AbortController().signal);
    expect(out.families.get('node_sockstat_TCP6_inuse')!.samples[0]!.value).toBe(2);
    expect(out.families.get('node_sockstat_FRAG6_memory')!.samples[0]!.value).toBe(0);
    expect(out.families.size).toBe(20);
  });

  it('rejects a malformed line', () => {
    expect(() => parseSockstat('TCP: inuse x\n', 4096, new FamilySet())).toThrow(/invalid/);
    expect(() => parseSockstat('TCP: inuse\n', 4096, new FamilySet())).toThrow(/odd/);
  });

  it('reads the page size from auxv, 4096 when it cannot', () => {
    expect([4096, 16384, 65536]).toContain(readPageSize('/proc'));
    expect(readPageSize('/nonexistent')).toBe(4096);
  });
});
