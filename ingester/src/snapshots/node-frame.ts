import type { Labels } from '../write-batch.ts';

/** The node_exporter values of one instance at one timestamp that snapshots are made of. */
export interface NodeFrame {
  timestampMs: number;
  /** `node_cpu_seconds_total` by `cpu`+`mode`. */
  cpu: Map<string, { mode: string; value: number }>;
  /** `node_network_{receive,transmit}_bytes_total` by device, `lo` excluded. */
  rx: Map<string, number>;
  tx: Map<string, number>;
  gauges: Partial<Record<NodeGauge, number>>;
  /** `nodename` of `node_uname_info`, when seen. */
  nodename?: string;
}

type NodeGauge =
  | 'load1'
  | 'load5'
  | 'load15'
  | 'memTotal'
  | 'memAvailable'
  | 'memFree'
  | 'buffers'
  | 'cached'
  | 'fsSize'
  | 'fsAvail'
  | 'time'
  | 'boot';

const GAUGES: Readonly<Record<string, NodeGauge>> = {
  node_load1: 'load1',
  node_load5: 'load5',
  node_load15: 'load15',
  node_memory_MemTotal_bytes: 'memTotal',
  node_memory_MemAvailable_bytes: 'memAvailable',
  node_memory_MemFree_bytes: 'memFree',
  node_memory_Buffers_bytes: 'buffers',
  node_memory_Cached_bytes: 'cached',
  node_time_seconds: 'time',
  node_boot_time_seconds: 'boot',
};

const FILESYSTEM: Readonly<Record<string, NodeGauge>> = {
  node_filesystem_size_bytes: 'fsSize',
  node_filesystem_avail_bytes: 'fsAvail',
};

/** Whether snapshots read this metric name at all (cheap filter before anything else). */
export function isSnapshotMetric(name: string): boolean {
  return (
    name in GAUGES ||
    name in FILESYSTEM ||
    name === 'node_cpu_seconds_total' ||
    name === 'node_network_receive_bytes_total' ||
    name === 'node_network_transmit_bytes_total' ||
    name === 'node_uname_info'
  );
}

export function emptyFrame(timestampMs: number): NodeFrame {
  return { timestampMs, cpu: new Map(), rx: new Map(), tx: new Map(), gauges: {} };
}

/** Puts one sample into `frame` (stale markers and NaN are not values and are ignored). */
export function addToFrame(frame: NodeFrame, labels: Labels, value: number): void {
  if (Number.isNaN(value)) return;
  const name = labels.__name__ ?? '';
  const gauge = GAUGES[name];
  if (gauge !== undefined) {
    frame.gauges[gauge] = value;
    return;
  }
  // The root filesystem; `rootfs` is the initramfs alias some systems also list at `/`.
  const fs = FILESYSTEM[name];
  if (fs !== undefined) {
    if (labels.mountpoint === '/' && labels.fstype !== 'rootfs') frame.gauges[fs] = value;
    return;
  }
  switch (name) {
    case 'node_cpu_seconds_total':
      if (labels.mode !== undefined) frame.cpu.set(`${labels.cpu ?? ''}\u0000${labels.mode}`, { mode: labels.mode, value });
      return;
    case 'node_network_receive_bytes_total':
      if (labels.device !== undefined && labels.device !== 'lo') frame.rx.set(labels.device, value);
      return;
    case 'node_network_transmit_bytes_total':
      if (labels.device !== undefined && labels.device !== 'lo') frame.tx.set(labels.device, value);
      return;
    case 'node_uname_info':
      if (labels.nodename !== undefined) frame.nodename = labels.nodename;
      return;
  }
}
