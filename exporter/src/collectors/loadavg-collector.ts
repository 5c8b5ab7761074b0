import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import { readProcFile } from '../proc-file.ts';

const LOADS = [
  family('node_load1', 'gauge', '1m load average.'),
  family('node_load5', 'gauge', '5m load average.'),
  family('node_load15', 'gauge', '15m load average.'),
] as const;

/** Adds node_load1/5/15 from /proc/loadavg. */
export function parseLoadavg(text: string, out: FamilySet): void {
  const parts = text.trim().split(/\s+/);
  if (parts.length < 3) throw new Error(`unexpected /proc/loadavg: ${text}`);
  LOADS.forEach((spec, i) => out.add(spec, Number(parts[i])));
}

/** node_exporter's `loadavg` collector. */
export function createLoadavgCollector(paths: HostPaths): Collector {
  return { name: 'loadavg', collect: (out) => parseLoadavg(readProcFile(`${paths.procfs}/loadavg`), out) };
}
