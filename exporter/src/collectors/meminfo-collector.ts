import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import type { FamilySpec } from '../metric-family.ts';
import { readProcFile } from '../proc-file.ts';

const specs = new Map<string, FamilySpec>();

function specFor(field: string): FamilySpec {
  let spec = specs.get(field);
  if (spec === undefined) {
    spec = { name: `node_memory_${field}`, type: 'gauge', help: `Memory information field ${field}.` };
    specs.set(field, spec);
  }
  return spec;
}

/**
 * Adds one gauge per /proc/meminfo field, named as node_exporter does: `Active(anon)` becomes
 * `Active_anon`, kB values are multiplied by 1024 and get `_bytes`, counts (HugePages_*) stay bare.
 */
export function parseMeminfo(text: string, out: FamilySet): void {
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).replace('(', '_').replace(')', '');
    const parts = line.slice(colon + 1).trim().split(/\s+/);
    const value = Number(parts[0]);
    if (!Number.isFinite(value)) continue;
    if (parts[1] === 'kB') out.add(specFor(`${key}_bytes`), value * 1024);
    else out.add(specFor(key), value);
  }
}

/** node_exporter's `meminfo` collector: every field of /proc/meminfo. */
export function createMeminfoCollector(paths: HostPaths): Collector {
  return { name: 'meminfo', collect: (out) => parseMeminfo(readProcFile(`${paths.procfs}/meminfo`), out) };
}
