import { describe, expect, it } from 'vitest';
import { addToFrame, emptyFrame } from './node-frame.ts';
import type { NodeFrame } from './node-frame.ts';
import { hasValues, snapshotRow } from './snapshot-row.ts';

type Point = [Record<string, string>, number];

function frame(t: number, points: Point[]): NodeFrame {
  const f = emptyFrame(t);
  for (const [labels, value] of points) addToFrame(f, labels, value);
  return f;
}

const cpu = (n: string, mode: string, v: number): Point => [{ __name__: 'node_cpu_seconds_total', cpu: n, mode }, v];
const net = (dir: 'receive' | 'transmit', device: string, v: number): Point => [{ __name__: `node_network_${dir}_bytes_total`, device }, v];
const gauge = (name: string, v: number, labels: Record<string, string> = {}): Point => [{ __name__: name, ...labels }, v];

describe('snapshotRow', () => {
  const before = frame(1_000_000, [
    cpu('0', 'idle', 100), cpu('0', 'user', 50), cpu('0', 'system', 10),
    cpu('1', 'idle', 200), cpu('1', 'user', 20), cpu('1', 'iowait', 5),
    net('receive', 'eth0', 1_000), net('transmit', 'eth0', 500), net('receive', 'lo', 0),
  ]);
  const now = frame(1_060_000, [
    // cpu0: +30 idle, +25 user, +5 system; cpu1: +45 idle, +10 user, +5 iowait → busy 45 of 120 s
    cpu('0', 'idle', 130), cpu('0', 'user', 75), cpu('0', 'system', 15),
    cpu('1', 'idle', 245), cpu('1', 'user', 30), cpu('1', 'iowait', 10),
    net('receive', 'eth0', 61_000), net('transmit', 'eth0', 30_500), net('receive', 'lo', 9_999_999),
    gauge('node_memory_MemTotal_bytes', 8e9), gauge('node_memory_MemAvailable_bytes', 2e9),
    gauge('node_filesystem_size_bytes', 100e9, { mountpoint: '/', fstype: 'ext4', device: '/dev/sda1' }),
    gauge('node_filesystem_avail_bytes', 25e9, { mountpoint: '/', fstype: 'ext4', device: '/dev/sda1' }),
    gauge('node_filesystem_size_bytes', 1e9, { mountpoint: '/boot', fstype: 'ext4', device: '/dev/sda2' }),
    gauge('node_load1', 0.5), gauge('node_load5', 0.25), gauge('node_load15', 0.125),
    gauge('node_time_seconds', 1_700_003_600.5), gauge('node_boot_time_seconds', 1_700_000_000),
  ]);

  it('derives every column from two consecutive frames', () => {
    const row = snapshotRow(now, before);
    expect(row.cpu_usage).toBeCloseTo((100 * 45) / 120, 10);
    expect(row.memory_usage).toBeCloseTo(75, 10);
    expect(row.memory_used_bytes).toBe(6e9);
    expect(row.memory_total_bytes).toBe(8e9);
    expect(row.disk_usage).toBeCloseTo(75, 10);
    expect(row.disk_used_bytes).toBe(75e9);
    expect(row.disk_total_bytes).toBe(100e9);
    expect([row.load1, row.load5, row.load15]).toEqual([0.5, 0.25, 0.125]);
    // 60 000 bytes in 60 s = 1000 B/s = 8000 bit/s; lo is left out.
    expect(row.net_rx_bps).toBeCloseTo(8_000, 10);
    expect(row.net_tx_bps).toBeCloseTo(((30_000 * 8) / 60), 10);
    expect(row.uptime_seconds).toBeCloseTo(3_600.5, 6);
  });

  it('leaves rates empty for the first frame after a restart, and fills the rest', () => {
    const row = snapshotRow(now, undefined);
    expect(row.cpu_usage).toBeNull();
    expect(row.net_rx_bps).toBeNull();
    expect(row.memory_usage).toBeCloseTo(75, 10);
    expect(hasValues(row)).toBe(true);
  });

  it('treats a counter that went down as reset, like rate()', () => {
    const reset = frame(1_120_000, [net('receive', 'eth0', 6_000)]);
    expect(snapshotRow(reset, now).net_rx_bps).toBeCloseTo((6_000 * 8) / 60, 10);
  });

  it('falls back to MemFree+Buffers+Cached without MemAvailable', () => {
    const old = frame(0, [
      gauge('node_memory_MemTotal_bytes', 1000), gauge('node_memory_MemFree_bytes', 100),
      gauge('node_memory_Buffers_bytes', 100), gauge('node_memory_Cached_bytes', 200),
    ]);
    expect(snapshotRow(old, undefined).memory_usage).toBeCloseTo(60, 10);
  });

  it('ignores stale markers and NaN, and has nothing to say about a frame without node series', () => {
    const f = frame(0, [gauge('node_load1', Number.NaN), [{ __name__: 'node_uname_info', nodename: 'web-1' }, 1]]);
    expect(f.nodename).toBe('web-1');
    expect(hasValues(snapshotRow(f, undefined))).toBe(false);
  });

  it('keeps percentages within 0–100', () => {
    const odd = frame(0, [gauge('node_memory_MemTotal_bytes', 100), gauge('node_memory_MemAvailable_bytes', 150)]);
    expect(snapshotRow(odd, undefined).memory_usage).toBe(0);
  });
});
