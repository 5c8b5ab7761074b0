import { readFileSync } from 'node:fs';

// /proc and /sys files are generated in memory by the kernel: a synchronous read takes a few
// microseconds, far less than a round trip through libuv's thread pool, and this is what keeps
// scrape latency at node_exporter's level. Never use these for files on real or network disks.

/** Reads a /proc or /sys file; throws when it is missing or unreadable. */
export function readProcFile(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Reads a /proc or /sys file, or returns undefined when it cannot be read (absent sensor, EINVAL). */
export function tryReadProcFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
