import { readFileSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@sextant/log';

/** A PostgreSQL already running on a data directory, from postmaster.pid. */
export interface Running {
  pid: number;
  port: number;
  /** Its parent (the Sextant process that started it) is still alive. */
  owned: boolean;
}

/** What postmaster.pid says about a server already running on the data directory, if any. */
export async function runningServer(dir: string): Promise<Running | undefined> {
  let lines: string[];
  try {
    lines = (await readFile(path.join(dir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  // postmaster.pid outlives a crash or a reboot, and its PID may since belong to another process,
  // even another PostgreSQL: only a server running in this very directory is ours.
  if (!Number.isInteger(pid) || pid <= 0 || !cmdline(pid).includes('postgres') || !runsIn(pid, dir)) return undefined;
  const ppid = Number(/^\d+ \(.*\) \S (\d+)/.exec(readProc(`/proc/${pid}/stat`))?.[1]);
  return { pid, port, owned: ppid > 1 && cmdline(ppid).includes('node') };
}

function readProc(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function runsIn(pid: number, dir: string): boolean {
  try {
    return realpathSync(`/proc/${pid}/cwd`) === realpathSync(dir);
  } catch {
    return false;
  }
}

function cmdline(pid: number): string {
  return readProc(`/proc/${pid}/cmdline`);
}

// A Sextant that was killed (SIGKILL, OOM) leaves its detached PostgreSQL running on the data
// directory; stop it (fast shutdown: nothing committed is lost) so this run can own the directory.
export async function stopLeftover(server: Running, log: Logger, timeoutMs = 16_000): Promise<void> {
  log.warn({ pid: server.pid }, 'stopping a PostgreSQL left running by an earlier run');
  process.kill(server.pid, 'SIGINT');
  const deadline = Date.now() + timeoutMs;
  while (cmdline(server.pid).includes('postgres')) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL ${server.pid} from an earlier run does not stop`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
