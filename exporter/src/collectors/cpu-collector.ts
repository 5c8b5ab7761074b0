import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import { readProcFile } from '../proc-file.ts';

// USER_HZ is 100 on every Linux ABI the kernel exports to userspace (procfs uses the same constant).
const USER_HZ = 100;
const MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

const CPU_SECONDS = family('node_cpu_seconds_total', 'counter', 'Seconds the CPUs spent in each mode.');
const GUEST_SECONDS = family(
  'node_cpu_guest_seconds_total',
  'counter',
  'Seconds the CPUs spent in guests (VMs) for each mode.',
);

/** Adds node_cpu_seconds_total and node_cpu_guest_seconds_total from the `cpuN` lines of /proc/stat. */
export function parseCpuStat(text: string, out: FamilySet): void {
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu') || line.startsWith('cpu ')) continue;
    const fields = line.split(/\s+/);
    const cpu = fields[0]!.slice(3);
    for (let i = 0; i < MODES.length; i++) {
      out.add(CPU_SECONDS, Number(fields[i + 1] ?? 0) / USER_HZ, { cpu, mode: MODES[i]! });
    }
    if (fields.length > 9) {
      out.add(GUEST_SECONDS, Number(fields[9] ?? 0) / USER_HZ, { cpu, mode: 'user' });
      out.add(GUEST_SECONDS, Number(fields[10] ?? 0) / USER_HZ, { cpu, mode: 'nice' });
    }
  }
}

/** node_exporter's `cpu` collector (seconds per cpu and mode). */
export function createCpuCollector(paths: HostPaths): Collector {
  return { name: 'cpu', collect: (out) => parseCpuStat(readProcFile(`${paths.procfs}/stat`), out) };
}
