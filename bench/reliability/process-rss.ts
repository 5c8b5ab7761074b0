// RSS of processes from /proc, for the soak's memory-over-time series.
import { readdirSync, readFileSync } from 'node:fs';

/** VmRSS of `pid` in MiB, or NaN once it is gone. */
export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

/** `pid` and its direct children (a postmaster and its backends). */
export function withChildren(pid: number): number[] {
  const pids = [pid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Pss of `pid` in MiB (shared pages divided among the processes sharing them), or NaN once gone. */
export function pssMiB(pid: number): number {
  try {
    const kb = Number(/^Pss:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1]);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Memory of a PostgreSQL server: the Pss of the postmaster and its backends summed (shared buffers counted once). */
export function treePssMiB(pid: number): number {
  return withChildren(pid).reduce((sum, p) => sum + (pssMiB(p) || 0), 0);
}

/** The system's 1-minute load average. */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}
