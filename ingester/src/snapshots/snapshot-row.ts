import type { NodeFrame } from './node-frame.ts';

/** The derived columns of one `metrics_snapshots` row; null where the frames do not tell. */
export interface SnapshotValues {
  cpu_usage: number | null;
  memory_usage: number | null;
  disk_usage: number | null;
  load1: number | null;
  load5: number | null;
  load15: number | null;
  memory_used_bytes: number | null;
  memory_total_bytes: number | null;
  disk_used_bytes: number | null;
  disk_total_bytes: number | null;
  /** Bits per second received / sent over all devices but `lo`. */
  net_rx_bps: number | null;
  net_tx_bps: number | null;
  uptime_seconds: number | null;
}

export const SNAPSHOT_COLUMNS = [
  'cpu_usage',
  'memory_usage',
  'disk_usage',
  'load1',
  'load5',
  'load15',
  'memory_used_bytes',
  'memory_total_bytes',
  'disk_used_bytes',
  'disk_total_bytes',
  'net_rx_bps',
  'net_tx_bps',
  'uptime_seconds',
] as const satisfies readonly (keyof SnapshotValues)[];

const clampPercent = (x: number): number => Math.min(100, Math.max(0, x));

// Sum of counter increases over keys present in both frames; a decrease is a counter reset, and as
// in PromQL's rate() the new value is then the increase since the reset.
function increase(now: Map<string, number>, before: Map<string, number>): number | null {
  let total = 0;
  let pairs = 0;
  for (const [key, value] of now) {
    const prior = before.get(key);
    if (prior === undefined) continue;
    total += value >= prior ? value - prior : value;
    pairs++;
  }
  return pairs === 0 ? null : total;
}

function cpuUsage(now: NodeFrame, before: NodeFrame): number | null {
  let idle = 0;
  let all = 0;
  for (const [key, { mode, value }] of now.cpu) {
    const prior = before.cpu.get(key)?.value;
    if (prior === undefined) continue;
    const delta = value >= prior ? value - prior : value;
    all += delta;
    if (mode === 'idle') idle += delta;
  }
  return all > 0 ? clampPercent((100 * (all - idle)) / all) : null;
}

/**
 * One snapshot from the frame at a timestamp and, for rates, the frame before it of the same
 * instance (none after a restart: the rate columns stay null). Percentages are 0–100:
 * cpu = busy share of `node_cpu_seconds_total` (all modes but idle) between the frames;
 * memory = 1 − MemAvailable/MemTotal (MemFree+Buffers+Cached when MemAvailable is missing);
 * disk = 1 − avail/size of `/`, as Node Exporter Full's "Root FS Used";
 * network = increase of the byte counters × 8 / seconds between the frames;
 * uptime = node_time_seconds − node_boot_time_seconds.
 */
export function snapshotRow(now: NodeFrame, before: NodeFrame | undefined): SnapshotValues {
  const g = now.gauges;
  const available = g.memAvailable ?? (g.memFree !== undefined && g.buffers !== undefined && g.cached !== undefined ? g.memFree + g.buffers + g.cached : undefined);
  const memTotal = g.memTotal !== undefined && g.memTotal > 0 ? g.memTotal : undefined;
  const fsSize = g.fsSize !== undefined && g.fsSize > 0 ? g.fsSize : undefined;
  const seconds = before === undefined ? 0 : (now.timestampMs - before.timestampMs) / 1000;
  const rate = (counter: 'rx' | 'tx'): number | null => {
    if (before === undefined || seconds <= 0) return null;
    const bytes = increase(now[counter], before[counter]);
    return bytes === null ? null : (bytes * 8) / seconds;
  };
  return {
    cpu_usage: before === undefined ? null : cpuUsage(now, before),
    memory_usage: memTotal !== undefined && available !== undefined ? clampPercent((100 * (memTotal - available)) / memTotal) : null,
    disk_usage: fsSize !== undefined && g.fsAvail !== undefined ? clampPercent((100 * (fsSize - g.fsAvail)) / fsSize) : null,
    load1: g.load1 ?? null,
    load5: g.load5 ?? null,
    load15: g.load15 ?? null,
    memory_used_bytes: memTotal !== undefined && available !== undefined ? memTotal - available : null,
    memory_total_bytes: g.memTotal ?? null,
    disk_used_bytes: fsSize !== undefined && g.fsAvail !== undefined ? fsSize - g.fsAvail : null,
    disk_total_bytes: g.fsSize ?? null,
    net_rx_bps: rate('rx'),
    net_tx_bps: rate('tx'),
    uptime_seconds: g.time !== undefined && g.boot !== undefined ? g.time - g.boot : null,
  };
}

/** Whether a row has anything in it (a frame of only `node_uname_info` has not). */
export function hasValues(row: SnapshotValues): boolean {
  return SNAPSHOT_COLUMNS.some((c) => row[c] !== null);
}
