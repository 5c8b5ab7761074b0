import { describe, expect, it } from 'vitest';
import { FamilySet } from '../family-set.ts';
import { parseCpuStat } from './cpu-collector.ts';
import { DEFAULT_DISK_DEVICE_EXCLUDE, parseDiskstats } from './diskstats-collector.ts';
import { DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE, parseMounts } from './filesystem-collector.ts';
import { parseMeminfo } from './meminfo-collector.ts';
import { parseNetDev } from './netdev-collector.ts';
import { addOsRelease, parseOsRelease } from './os-collector.ts';
import { parseStat } from './stat-collector.ts';
import { parseProcessStat, selectTop } from './top-processes-collector.ts';

const STAT = `cpu  100 2 30 4000 5 0 6 0 0 0
cpu0 50 1 15 2000 2 0 3 0 7 1
intr 500689 0 9 0
ctxt 1742265
btime 1795681726
processes 9853
procs_running 3
procs_blocked 1
`;

function values(set: FamilySet, name: string): number[] {
  return set.families.get(name)?.samples.map((s) => s.value) ?? [];
}

describe('/proc parsers', () => {
  it('reads cpu seconds per cpu and mode, guest separately', () => {
    const out = new FamilySet();
    parseCpuStat(STAT, out);
    const cpu = out.families.get('node_cpu_seconds_total')!.samples;
    expect(cpu).toHaveLength(8);
    expect(cpu.find((s) => s.labels.mode === 'idle')).toEqual({ labels: { cpu: '0', mode: 'idle' }, value: 20 });
    expect(values(out, 'node_cpu_guest_seconds_total')).toEqual([0.07, 0.01]);
  });

  it('reads the stat totals', () => {
    const out = new FamilySet();
    parseStat(STAT, out);
    expect(values(out, 'node_intr_total')).toEqual([500689]);
    expect(values(out, 'node_context_switches_total')).toEqual([1742265]);
    expect(values(out, 'node_forks_total')).toEqual([9853]);
    expect(values(out, 'node_boot_time_seconds')).toEqual([1795681726]);
    expect(values(out, 'node_procs_blocked')).toEqual([1]);
  });

  it('names meminfo fields like node_exporter', () => {
    const out = new FamilySet();
    parseMeminfo('MemTotal:       24684092 kB\nActive(anon):      100 kB\nHugePages_Total:       0\n', out);
    expect([...out.families.keys()]).toEqual([
      'node_memory_MemTotal_bytes',
      'node_memory_Active_anon_bytes',
      'node_memory_HugePages_Total',
    ]);
    expect(values(out, 'node_memory_MemTotal_bytes')).toEqual([24684092 * 1024]);
    expect(out.families.get('node_memory_MemTotal_bytes')!.help).toBe('Memory information field MemTotal_bytes.');
  });

  it('applies node_exporter filesystem exclusions, unescapes and de-duplicates mounts', () => {
    const mounts = parseMounts(
      [
        'proc /proc proc rw 0 0',
        '/dev/vda / ext4 rw,relatime 0 0',
        'tmpfs /dev/shm tmpfs rw 0 0',
        '/dev/vdb /srv/my\\040data xfs ro,noatime 0 0',
        '/dev/vdb /srv/my\\040data xfs ro,noatime 0 0',
        'overlay /var/lib/docker/overlay2/x/merged overlay rw 0 0',
      ].join('\n'),
      new RegExp(DEFAULT_MOUNT_POINTS_EXCLUDE),
      new RegExp(DEFAULT_FS_TYPES_EXCLUDE),
    );
    expect(mounts).toEqual([
      { device: '/dev/vda', mountpoint: '/', fstype: 'ext4', readonly: false },
      { device: '/dev/vdb', mountpoint: '/srv/my data', fstype: 'xfs', readonly: true },
    ]);
  });

  it('converts diskstats sectors and milliseconds, skipping partitions', () => {
    const out = new FamilySet();
    parseDiskstats(
      ' 254 0 vda 41921 8070 1843346 13755 46525 34098 5101000 34777 0 14604 50327 12107 30 836488 1222 9281 571\n 254 1 vda1 1 1 1 1 1 1 1 1 0 1 1 1 1 1 1 1 1\n 7 0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n',
      new RegExp(DEFAULT_DISK_DEVICE_EXCLUDE),
      out,
    );
    expect(values(out, 'node_disk_read_bytes_total')).toEqual([1843346 * 512]);
    expect(values(out, 'node_disk_read_time_seconds_total')).toEqual([13.755]);
    expect(values(out, 'node_disk_flush_requests_time_seconds_total')).toEqual([0.571]);
    expect(out.families.size).toBe(17);
  });

  it('reads /proc/net/dev per device', () => {
    const out = new FamilySet();
    parseNetDev(
      'Inter-|   Receive\n face |bytes\n  eth0: 463111713   11075    0    0    0     0          0         0   916799    6598    0    0    0     0       0          0\n',
      undefined,
      out,
    );
    expect(values(out, 'node_network_receive_bytes_total')).toEqual([463111713]);
    expect(values(out, 'node_network_transmit_packets_total')).toEqual([6598]);
    expect(out.families.get('node_network_receive_bytes_total')!.samples[0]!.labels).toEqual({ device: 'eth0' });
  });

  it('reads os-release into node_os_info and node_os_version', () => {
    const out = new FamilySet();
    addOsRelease(parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'), out);
    expect(out.families.get('node_os_info')!.samples[0]!.labels.pretty_name).toBe('Debian GNU/Linux 12 (bookworm)');
    expect(Object.keys(out.families.get('node_os_info')!.samples[0]!.labels)).toHaveLength(12);
    expect(values(out, 'node_os_version')).toEqual([12]);
  });

  it('parses process stat with odd comm and picks the top N by CPU and by memory', () => {
    const p = parseProcessStat('42', '42 (tmux: server) S 1 42 42 0 -1 4194560 1 0 0 0 250 50 0 0 20 0 1 0 100 1000 300 0')!;
    expect(p).toEqual({ pid: '42', comm: 'tmux: server', ticks: 300, rssPages: 300 });
    const top = selectTop(
      [p, { pid: '1', comm: 'init', ticks: 10, rssPages: 10 }, { pid: '7', comm: 'big', ticks: 0, rssPages: 9999 }],
      new Map([['42', 100], ['1', 10]]),
      2,
      1,
    );
    expect(top.map((t) => [t.pid, t.cpuRatio])).toEqual([['42', 1], ['7', 0]]);
  });
});
