import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import type { FamilySpec } from '../metric-family.ts';
import { readProcFile, tryReadProcFile } from '../proc-file.ts';

/** node_exporter's default --collector.diskstats.device-exclude (partitions, ram, loop, floppy). */
export const DEFAULT_DISK_DEVICE_EXCLUDE = '^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$';

const SECTOR = 512;
const MS = 0.001;

// Column (after major, minor, name) → family and scale, in /proc/diskstats order (iostats.rst).
const COLUMNS: readonly (readonly [FamilySpec, number])[] = [
  [family('node_disk_reads_completed_total', 'counter', 'The total number of reads completed successfully.'), 1],
  [family('node_disk_reads_merged_total', 'counter', 'The total number of reads merged.'), 1],
  [family('node_disk_read_bytes_total', 'counter', 'The total number of bytes read successfully.'), SECTOR],
  [family('node_disk_read_time_seconds_total', 'counter', 'The total number of seconds spent by all reads.'), MS],
  [family('node_disk_writes_completed_total', 'counter', 'The total number of writes completed successfully.'), 1],
  [family('node_disk_writes_merged_total', 'counter', 'The number of writes merged.'), 1],
  [family('node_disk_written_bytes_total', 'counter', 'The total number of bytes written successfully.'), SECTOR],
  [family('node_disk_write_time_seconds_total', 'counter', 'This is the total number of seconds spent by all writes.'), MS],
  [family('node_disk_io_now', 'gauge', 'The number of I/Os currently in progress.'), 1],
  [family('node_disk_io_time_seconds_total', 'counter', 'Total seconds spent doing I/Os.'), MS],
  [family('node_disk_io_time_weighted_seconds_total', 'counter', 'The weighted # of seconds spent doing I/Os.'), MS],
  [family('node_disk_discards_completed_total', 'counter', 'The total number of discards completed successfully.'), 1],
  [family('node_disk_discards_merged_total', 'counter', 'The total number of discards merged.'), 1],
  [family('node_disk_discarded_sectors_total', 'counter', 'The total number of sectors discarded successfully.'), 1],
  [family('node_disk_discard_time_seconds_total', 'counter', 'This is the total number of seconds spent by all discards.'), MS],
  [family('node_disk_flush_requests_total', 'counter', 'The total number of flush requests completed successfully'), 1],
  [family('node_disk_flush_requests_time_seconds_total', 'counter', 'This is the total number of seconds spent by all flush requests.'), MS],
];

const INFO = family('node_disk_info', 'gauge', 'Info of /sys/block/<block_device>.');

// udev properties node_exporter copies into node_disk_info (diskstats_linux.go).
const UDEV_LABELS: Readonly<Record<string, string>> = {
  ID_PATH: 'path',
  ID_WWN: 'wwn',
  ID_MODEL: 'model',
  ID_SERIAL_SHORT: 'serial',
  ID_REVISION: 'revision',
};

function readUdev(udevDataPath: string, major: string, minor: string): Record<string, string> {
  const labels: Record<string, string> = { path: '', wwn: '', model: '', serial: '', revision: '' };
  const text = tryReadProcFile(`${udevDataPath}/b${major}:${minor}`);
  if (text === undefined) return labels;
  for (const line of text.split('\n')) {
    if (!line.startsWith('E:')) continue;
    const eq = line.indexOf('=');
    const label = UDEV_LABELS[line.slice(2, eq)];
    if (label !== undefined) labels[label] = line.slice(eq + 1);
  }
  return labels;
}

/** Adds node_disk_* from /proc/diskstats for devices not matching `exclude`. */
export function parseDiskstats(text: string, exclude: RegExp, out: FamilySet, udevDataPath?: string): void {
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    const [major, minor, device] = f as [string, string, string];
    if (exclude.test(device)) continue;
    const labels = { device };
    if (udevDataPath !== undefined) {
      out.add(INFO, 1, { device, major, minor, ...readUdev(udevDataPath, major, minor) });
    }
    for (let i = 0; i < COLUMNS.length && i + 3 < f.length; i++) {
      const [spec, scale] = COLUMNS[i]!;
      const raw = Number(f[i + 3]);
      out.add(spec, scale === MS ? raw / 1000 : raw * scale, labels);
    }
  }
}

export interface DiskstatsOptions {
  paths: HostPaths;
  deviceExclude: RegExp;
  /** Where udev keeps device properties (node_exporter: --collector.diskstats... /run/udev/data). */
  udevDataPath: string;
}

/** node_exporter's `diskstats` collector. */
export function createDiskstatsCollector(options: DiskstatsOptions): Collector {
  return {
    name: 'diskstats',
    collect: (out) =>
      parseDiskstats(readProcFile(`${options.paths.procfs}/diskstats`), options.deviceExclude, out, options.udevDataPath),
  };
}
