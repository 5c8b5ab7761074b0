import { readdirSync } from 'node:fs';
import type { Logger } from '@sextant/log';
import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import { createRefresher } from '../refresher.ts';
import { tryReadProcFile } from '../proc-file.ts';

const USER_HZ = 100;
const CPU_SECONDS = family(
  'sextant_top_process_cpu_seconds_total',
  'counter',
  'CPU seconds (user+system) used by one of the top processes by CPU or memory.',
);
const CPU_RATIO = family(
  'sextant_top_process_cpu_usage_ratio',
  'gauge',
  'CPU used by one of the top processes over the last refresh interval, 1 = one full CPU.',
);
const RSS = family(
  'sextant_top_process_resident_memory_bytes',
  'gauge',
  'Resident memory of one of the top processes by CPU or memory.',
);

export interface ProcessStat {
  pid: string;
  comm: string;
  ticks: number;
  rssPages: number;
}

/** Parses /proc/<pid>/stat; `comm` may hold spaces and parentheses, so split at the last `)`. */
export function parseProcessStat(pid: string, text: string): ProcessStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const f = text.slice(close + 2).split(' ');
  // After comm: state(0) ppid(1) … utime(11) stime(12) … rss(21)
  return { pid, comm: text.slice(open + 1, close), ticks: Number(f[11]) + Number(f[12]), rssPages: Number(f[21]) };
}

interface TopProcess extends ProcessStat {
  cpuRatio: number;
}

/** Picks the union of the `n` busiest (by CPU since `previous`) and the `n` largest (by RSS) processes. */
export function selectTop(
  now: ProcessStat[],
  previous: ReadonlyMap<string, number>,
  elapsedSeconds: number,
  n: number,
): TopProcess[] {
  const withCpu = now.map((p) => {
    const before = previous.get(p.pid);
    const delta = before === undefined || elapsedSeconds <= 0 ? 0 : (p.ticks - before) / USER_HZ / elapsedSeconds;
    return { ...p, cpuRatio: Math.max(0, delta) };
  });
  const byCpu = [...withCpu].sort((a, b) => b.cpuRatio - a.cpuRatio).slice(0, n);
  const byRss = [...withCpu].sort((a, b) => b.rssPages - a.rssPages).slice(0, n);
  const chosen = new Map<string, TopProcess>();
  for (const p of [...byCpu, ...byRss]) chosen.set(p.pid, p);
  return [...chosen.values()];
}

function pageSize(procfs: string): number {
  const m = /KernelPageSize:\s+(\d+) kB/.exec(tryReadProcFile(`${procfs}/self/smaps_rollup`) ?? '') ??
    /KernelPageSize:\s+(\d+) kB/.exec(tryReadProcFile(`${procfs}/self/smaps`) ?? '');
  return m === null ? 4096 : Number(m[1]) * 1024;
}

export interface TopProcessesOptions {
  paths: HostPaths;
  /** How many processes per ranking (CPU, memory); series are at most 2× this per family. */
  count: number;
  intervalMs: number;
  log: Logger;
}

/**
 * Sextant's `top_processes` collector (opt-in): the top N processes by CPU and by memory with
 * `pid` and `comm` labels. /proc is scanned in the background every interval, never during a scrape.
 */
export function createTopProcessesCollector(options: TopProcessesOptions): Collector {
  const { procfs } = options.paths;
  const page = pageSize(procfs);
  let previous = new Map<string, number>();
  let previousAt = 0;
  const refresher = createRefresher({
    intervalMs: options.intervalMs,
    log: options.log,
    load: () => {
      const now: ProcessStat[] = [];
      for (const pid of readdirSync(procfs)) {
        if (pid.charCodeAt(0) < 48 || pid.charCodeAt(0) > 57) continue;
        const text = tryReadProcFile(`${procfs}/${pid}/stat`);
        const stat = text === undefined ? undefined : parseProcessStat(pid, text);
        if (stat !== undefined) now.push(stat);
      }
      const at = performance.now();
      const top = selectTop(now, previous, (at - previousAt) / 1000, options.count);
      previous = new Map(now.map((p) => [p.pid, p.ticks]));
      previousAt = at;
      return Promise.resolve(top);
    },
  });
  return {
    name: 'top_processes',
    collect(out: FamilySet) {
      for (const p of refresher.current() ?? []) {
        const labels = { comm: p.comm, pid: p.pid };
        out.add(CPU_SECONDS, p.ticks / USER_HZ, labels);
        out.add(CPU_RATIO, p.cpuRatio, labels);
        out.add(RSS, p.rssPages * page, labels);
      }
    },
    close: () => refresher.close(),
  };
}
