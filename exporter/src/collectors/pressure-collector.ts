import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import type { FamilySpec } from '../metric-family.ts';
import { tryReadProcFile } from '../proc-file.ts';

// resource → line (`some`/`full`) → family, as node_exporter's `pressure` collector names them.
const FAMILIES: Readonly<Record<string, Readonly<Record<string, FamilySpec>>>> = {
  cpu: {
    some: family('node_pressure_cpu_waiting_seconds_total', 'counter', 'Total time in seconds that processes have waited for CPU time'),
    full: family('node_pressure_cpu_stalled_seconds_total', 'counter', 'Total time in seconds no process could make progress due to CPU congestion'),
  },
  io: {
    some: family('node_pressure_io_waiting_seconds_total', 'counter', 'Total time in seconds that processes have waited due to IO congestion'),
    full: family('node_pressure_io_stalled_seconds_total', 'counter', 'Total time in seconds no process could make progress due to IO congestion'),
  },
  memory: {
    some: family('node_pressure_memory_waiting_seconds_total', 'counter', 'Total time in seconds that processes have waited for memory'),
    full: family('node_pressure_memory_stalled_seconds_total', 'counter', 'Total time in seconds no process could make progress due to memory congestion'),
  },
  irq: {
    full: family('node_pressure_irq_stalled_seconds_total', 'counter', 'Total time in seconds no process could make progress due to IRQ congestion'),
  },
};

/** Adds the `total=` (µs) of each PSI line of one resource as seconds. */
export function parsePressure(resource: string, text: string, out: FamilySet): void {
  const specs = FAMILIES[resource];
  if (specs === undefined) return;
  for (const line of text.split('\n')) {
    const kind = line.slice(0, 4);
    const spec = specs[kind];
    const m = /total=(\d+)/.exec(line);
    if (spec !== undefined && m !== null) out.add(spec, Number(m[1]) / 1e6);
  }
}

/**
 * node_exporter's `pressure` collector (PSI, Linux ≥ 4.20 with CONFIG_PSI). A kernel without PSI
 * gives no samples; that is not a failure.
 */
export function createPressureCollector(paths: HostPaths): Collector {
  return {
    name: 'pressure',
    collect(out: FamilySet) {
      for (const resource of Object.keys(FAMILIES)) {
        const text = tryReadProcFile(`${paths.procfs}/pressure/${resource}`);
        if (text !== undefined) parsePressure(resource, text, out);
      }
    },
  };
}
