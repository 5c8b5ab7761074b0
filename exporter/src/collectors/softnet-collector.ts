import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import { readProcFile } from '../proc-file.ts';

// node_exporter 1.5 exposes these three (HELP without a final period); cpu_collision, received_rps,
// flow_limit_count and backlog_len came with later versions.
const PROCESSED = family('node_softnet_processed_total', 'counter', 'Number of processed packets');
const DROPPED = family('node_softnet_dropped_total', 'counter', 'Number of dropped packets');
const SQUEEZED = family('node_softnet_times_squeezed_total', 'counter', 'Number of times processing packets ran out of quota');
// procfs rejects lines narrower than this (kernels since 2.6 write at least 9 hex columns).
const MIN_COLUMNS = 9;

function hex(text: string): number {
  if (!/^[0-9a-fA-F]{1,8}$/.test(text)) throw new Error(`invalid softnet_stat value ${text}`);
  return parseInt(text, 16);
}

/** Adds node_softnet_* from /proc/net/softnet_stat; `cpu` is the line index, as in node_exporter 1.5. */
export function parseSoftnet(text: string, out: FamilySet): void {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  lines.forEach((line, i) => {
    const f = line.trim().split(/\s+/);
    if (f.length < MIN_COLUMNS) throw new Error(`${f.length} softnet_stat columns, expected at least ${MIN_COLUMNS}`);
    const labels = { cpu: String(i) };
    out.add(PROCESSED, hex(f[0]!), labels);
    out.add(DROPPED, hex(f[1]!), labels);
    out.add(SQUEEZED, hex(f[2]!), labels);
  });
}

/** node_exporter's `softnet` collector. */
export function createSoftnetCollector(paths: HostPaths): Collector {
  return { name: 'softnet', collect: (out) => parseSoftnet(readProcFile(`${paths.procfs}/net/softnet_stat`), out) };
}
