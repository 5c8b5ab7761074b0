// RSS and CPU time of processes from /proc, for the soak's series over time.
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

// PostgreSQL's main shared memory segment (shared buffers and the rest): an anonymous shared mapping,
// listed as `/dev/zero (deleted)` (or a System V segment) in smaps.
const SHARED_SEGMENT = /\s(\/dev\/zero \(deleted\)|\/SYSV[0-9a-f]+ \(deleted\)|\/anon_hugepage \(deleted\))$/;

/** Pss of `pid` outside PostgreSQL's shared memory segment, in MiB (NaN once gone). */
function pssOutsideSharedSegmentMiB(pid: number): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return Number.NaN;
  }
  let kb = 0;
  let inSegment = false;
  for (const line of text.split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inSegment = SHARED_SEGMENT.test(line);
    else if (!inSegment && line.startsWith('Pss:')) kb += Number(/^Pss:\s+(\d+) kB$/.exec(line)?.[1] ?? 0);
  }
  return kb / 1024;
}

/**
 * The same without the shared memory segment: what the server's processes hold of their own. The
 * segment is a pool of fixed size (shared_buffers) that fills as pages are first read, whatever the
 * load, so its growth says nothing about leaks; this is the part that would grow with one.
 */
export function treePssOutsideSharedSegmentMiB(pid: number): number {
  return withChildren(pid).reduce((sum, p) => sum + (pssOutsideSharedSegmentMiB(p) || 0), 0);
}

/** The system's 1-minute load average. */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

// /proc/<pid>/stat counts CPU time in clock ticks: 100 per second on Linux (USER_HZ).
const TICKS_PER_SECOND = 100;

/** utime, stime, cutime, cstime of `pid` in seconds, or undefined once it is gone. */
function cpuTimes(pid: number): number[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name: state is field 3, utime field 14 … cstime field 17.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 15).map((t) => Number(t) / TICKS_PER_SECOND);
  } catch {
    return undefined;
  }
}

/** CPU seconds `pid` has used (user + system), or NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  const t = cpuTimes(pid);
  return t === undefined ? Number.NaN : t[0]! + t[1]!;
}

/**
 * CPU seconds of a PostgreSQL server: the postmaster with the children it has reaped (backends that
 * came and went) plus its live children.
 */
export function treeCpuSeconds(pid: number): number {
  const own = cpuTimes(pid);
  if (own === undefined) return Number.NaN;
  let sum = own[0]! + own[1]! + own[2]! + own[3]!;
  for (const child of withChildren(pid).slice(1)) sum += cpuSeconds(child) || 0;
  return sum;
}
