import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import { readProcFile } from '../proc-file.ts';

const FIELDS: Readonly<Record<string, ReturnType<typeof family>>> = {
  ctxt: family('node_context_switches_total', 'counter', 'Total number of context switches.'),
  intr: family('node_intr_total', 'counter', 'Total number of interrupts serviced.'),
  processes: family('node_forks_total', 'counter', 'Total number of forks.'),
  procs_running: family('node_procs_running', 'gauge', 'Number of processes in runnable state.'),
  procs_blocked: family('node_procs_blocked', 'gauge', 'Number of processes blocked waiting for I/O to complete.'),
  btime: family('node_boot_time_seconds', 'gauge', 'Node boot time, in unixtime.'),
};

/** Adds the non-CPU lines of /proc/stat under node_exporter's `stat` collector names. */
export function parseStat(text: string, out: FamilySet): void {
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const spec = FIELDS[line.slice(0, sp)];
    if (spec === undefined) continue;
    // `intr` is followed by per-IRQ counts; its first number is the total.
    const rest = line.slice(sp + 1).trimStart();
    const end = rest.indexOf(' ');
    out.add(spec, Number(end < 0 ? rest : rest.slice(0, end)));
  }
}

/** node_exporter's `stat` collector: context switches, interrupts, forks, procs, boot time. */
export function createStatCollector(paths: HostPaths): Collector {
  return { name: 'stat', collect: (out) => parseStat(readProcFile(`${paths.procfs}/stat`), out) };
}
