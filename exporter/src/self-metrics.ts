import { readdirSync } from 'node:fs';
import { FamilySet } from './family-set.ts';
import type { Family } from './metric-family.ts';
import { family } from './metric-family.ts';
import { tryReadProcFile } from './proc-file.ts';

// The exporter's own process metrics, as node_exporter exposes process_* for itself, with
// prom-client's names and HELP texts. Read straight from process.* and /proc/self rather than
// through prom-client: loading it (and its cluster, perf_hooks and t-digest modules) cost ~4 MiB of
// RSS for a dozen gauges. None of these overlaps a family the collectors write.
const CPU = family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.');
const CPU_USER = family('process_cpu_user_seconds_total', 'counter', 'Total user CPU time spent in seconds.');
const CPU_SYSTEM = family('process_cpu_system_seconds_total', 'counter', 'Total system CPU time spent in seconds.');
const START = family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.');
const RESIDENT = family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.');
const VIRTUAL = family('process_virtual_memory_bytes', 'gauge', 'Virtual memory size in bytes.');
const HEAP = family('process_heap_bytes', 'gauge', 'Process heap size in bytes.');
const OPEN_FDS = family('process_open_fds', 'gauge', 'Number of open file descriptors.');
const MAX_FDS = family('process_max_fds', 'gauge', 'Maximum number of open file descriptors.');
const HEAP_USED = family('nodejs_heap_size_used_bytes', 'gauge', 'Process heap size used from Node.js in bytes.');
const EXTERNAL = family('nodejs_external_memory_bytes', 'gauge', 'Node.js external memory size in bytes.');
const VERSION = family('nodejs_version_info', 'gauge', 'Node.js version info.');

/** The exporter's own process metrics (process_*, nodejs_*), read at each scrape. */
export interface SelfMetrics {
  collect(): Family[];
}

/** `VmRSS`-style lines of /proc/self/status in bytes; absent keys are left out. */
export function parseProcStatus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^(Vm\w+):\s+(\d+) kB$/gm)) out.set(m[1]!, Number(m[2]) * 1024);
  return out;
}

/** The soft "Max open files" limit from /proc/self/limits, or undefined. */
export function parseMaxFds(limits: string): number | undefined {
  const m = /^Max open files\s+(\d+)/m.exec(limits);
  return m === null ? undefined : Number(m[1]);
}

/** Reads /proc/self for the memory and fd gauges; on a system without it those are left out. */
export function createSelfMetrics(): SelfMetrics {
  const startSeconds = Math.round(Date.now() / 1000 - process.uptime());
  const maxFds = parseMaxFds(tryReadProcFile('/proc/self/limits') ?? '');
  const [major = '', minor = '', patch = ''] = process.versions.node.split('.');
  const version = { version: process.version, major, minor, patch };
  return {
    collect() {
      const set = new FamilySet();
      const cpu = process.cpuUsage();
      set.add(CPU, (cpu.user + cpu.system) / 1e6);
      set.add(CPU_USER, cpu.user / 1e6);
      set.add(CPU_SYSTEM, cpu.system / 1e6);
      set.add(START, startSeconds);
      const status = parseProcStatus(tryReadProcFile('/proc/self/status') ?? '');
      const rss = status.get('VmRSS');
      const size = status.get('VmSize');
      const data = status.get('VmData');
      if (rss !== undefined) set.add(RESIDENT, rss);
      if (size !== undefined) set.add(VIRTUAL, size);
      if (data !== undefined) set.add(HEAP, data);
      try {
        // Minus the descriptor readdirSync itself holds open.
        set.add(OPEN_FDS, readdirSync('/proc/self/fd').length - 1);
      } catch {
        // No procfs: leave the family out.
      }
      if (maxFds !== undefined) set.add(MAX_FDS, maxFds);
      const mem = process.memoryUsage();
      set.add(HEAP_USED, mem.heapUsed);
      set.add(EXTERNAL, mem.external);
      set.add(VERSION, 1, version);
      return [...set.families.values()];
    },
  };
}
