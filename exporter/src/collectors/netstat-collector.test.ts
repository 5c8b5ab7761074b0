import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FamilySet } from '../family-set.ts';
import {
  addNetStats,
  createNetstatCollector,
  createNetstatSelector,
  DEFAULT_NETSTAT_FIELDS,
  parseNetStats,
  parseSnmp6,
} from './netstat-collector.ts';

const procfs = path.join(import.meta.dirname, '../../testdata/proc');
const paths = { procfs, sysfs: '/nonexistent', rootfs: '/' };

function value(out: FamilySet, name: string): number | undefined {
  return out.families.get(name)?.samples[0]?.value;
}

describe('netstat collector', () => {
  it('exposes the default fields of netstat, snmp and snmp6 as untyped node_netstat_*', async () => {
    const out = new FamilySet();
    await createNetstatCollector({ paths, fields: new RegExp(DEFAULT_NETSTAT_FIELDS) }).collect(out, new AbortController().signal);
    expect(value(out, 'node_netstat_Ip_Forwarding')).toBe(2);
    expect(value(out, 'node_netstat_Tcp_ActiveOpens')).toBe(3189);
    expect(value(out, 'node_netstat_Tcp_OutRsts')).toBe(574);
    expect(value(out, 'node_netstat_Icmp6_InMsgs')).toBe(1);
    expect(value(out, 'node_netstat_UdpLite6_InErrors')).toBe(0);
    expect(out.families.has('node_netstat_TcpExt_ListenOverflows')).toBe(true);
    // Filtered out by the default: Tcp_MaxConn (-1), Ip_DefaultTTL, TcpExt_TCPOFOQueue (a ≥1.6 default).
    expect(out.families.has('node_netstat_Tcp_MaxConn')).toBe(false);
    expect(out.families.has('node_netstat_Ip_DefaultTTL')).toBe(false);
    expect(out.families.has('node_netstat_TcpExt_TCPOFOQueue')).toBe(false);
    const fam = out.families.get('node_netstat_Tcp_InSegs')!;
    expect(fam).toMatchObject({ type: 'untyped', help: 'Statistic TcpInSegs.' });
    // The names node_exporter 1.5 gives this host's files (checked against its output).
    expect(out.families.size).toBe(40);
  });

  it('pairs header and value lines and splits snmp6 names at the first 6', () => {
    const stats = parseNetStats('Tcp: RtoAlgorithm MaxConn CurrEstab\nTcp: 1 -1 4\n');
    parseSnmp6('Ip6InOctets                     \t128\nIcmp6OutType133                 \t9\nbogus\n', stats);
    expect(stats.get('Tcp')).toEqual(new Map([['RtoAlgorithm', '1'], ['MaxConn', '-1'], ['CurrEstab', '4']]));
    expect(stats.get('Ip6')?.get('InOctets')).toBe('128');
    expect(stats.get('Icmp6')?.get('OutType133')).toBe('9');
    const out = new FamilySet();
    addNetStats(stats, createNetstatSelector(/^.*$/), out);
    expect(value(out, 'node_netstat_Tcp_MaxConn')).toBe(-1);
  });

  it('fails on a field count mismatch or a non-numeric value, like node_exporter', () => {
    expect(() => parseNetStats('Tcp: A B\nTcp: 1\n')).toThrow(/mismatch/);
    const stats = parseNetStats('Tcp: A B\nTcp: 1 x\n');
    expect(() => addNetStats(stats, createNetstatSelector(/^Tcp_A$/), new FamilySet())).toThrow(/invalid value/);
  });
});
