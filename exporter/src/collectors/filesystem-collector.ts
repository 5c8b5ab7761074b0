import { statfs } from 'node:fs/promises';
import type { Logger } from '@sextant/log';
import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import { tryReadProcFile } from '../proc-file.ts';

/** node_exporter's defaults (filesystem_linux.go), overridable like its --collector.filesystem.* flags. */
export const DEFAULT_MOUNT_POINTS_EXCLUDE =
  '^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)';
export const DEFAULT_FS_TYPES_EXCLUDE =
  '^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$';

const SIZE = family('node_filesystem_size_bytes', 'gauge', 'Filesystem size in bytes.');
const FREE = family('node_filesystem_free_bytes', 'gauge', 'Filesystem free space in bytes.');
const AVAIL = family('node_filesystem_avail_bytes', 'gauge', 'Filesystem space available to non-root users in bytes.');
const FILES = family('node_filesystem_files', 'gauge', 'Filesystem total file nodes.');
const FILES_FREE = family('node_filesystem_files_free', 'gauge', 'Filesystem total free file nodes.');
const READONLY = family('node_filesystem_readonly', 'gauge', 'Filesystem read-only status.');
const DEVICE_ERROR = family(
  'node_filesystem_device_error',
  'gauge',
  'Whether an error occurred while getting statistics for the given device.',
);

export interface Mount {
  device: string;
  mountpoint: string;
  fstype: string;
  readonly: boolean;
}

// /proc/mounts escapes space, tab, newline and backslash as octal (\040 …).
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses /proc/<pid>/mounts into the mounts node_exporter would report, exclusions applied, duplicates dropped. */
export function parseMounts(text: string, mountPointsExclude: RegExp, fsTypesExclude: RegExp): Mount[] {
  const seen = new Set<string>();
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 4) continue;
    const mount: Mount = {
      device: unescapeOctal(f[0]!),
      mountpoint: unescapeOctal(f[1]!),
      fstype: f[2]!,
      readonly: f[3]!.split(',').includes('ro'),
    };
    if (mountPointsExclude.test(mount.mountpoint) || fsTypesExclude.test(mount.fstype)) continue;
    const key = `${mount.device}\0${mount.mountpoint}\0${mount.fstype}`;
    if (seen.has(key)) continue;
    seen.add(key);
    mounts.push(mount);
  }
  return mounts;
}

/** The fields of fs.statfs's result the collector reads. */
export interface StatfsResult {
  bsize: number | bigint;
  blocks: number | bigint;
  bfree: number | bigint;
  bavail: number | bigint;
  files: number | bigint;
  ffree: number | bigint;
}

export interface FilesystemOptions {
  paths: HostPaths;
  mountPointsExclude: RegExp;
  fsTypesExclude: RegExp;
  /** Per-mount statfs budget; a hung (e.g. NFS) mount reports device_error=1 instead of stalling the scrape. */
  statfsTimeoutMs: number;
  log: Logger;
  /** statfs(2); default `fs.promises.statfs`. Tests inject one that hangs. */
  statfs?: (path: string) => Promise<StatfsResult>;
}

// Rejects after `ms` or on abort; the statfs call itself cannot be cancelled and runs on.
async function within<T>(call: Promise<T>, ms: number, signal: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`statfs timed out after ${ms} ms`)), ms);
    onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}

/**
 * node_exporter's `filesystem` collector: statfs of every mounted filesystem not excluded.
 *
 * A statfs that does not return (hung NFS, dead FUSE daemon) holds one libuv pool thread until it
 * does; a timeout only stops waiting for it. Like node_exporter's "stuck mounts", a mount point
 * whose earlier statfs is still pending is not statted again: it reports device_error=1 until that
 * call returns, so one hung mount holds at most one pool thread and the other mounts (and gzip,
 * which shares the pool) keep working.
 */
export function createFilesystemCollector(options: FilesystemOptions): Collector {
  const { paths, log } = options;
  const statfsCall = options.statfs ?? ((path: string) => statfs(path));
  const root = paths.rootfs === '/' ? '' : paths.rootfs;
  // Mount points with a statfs call in flight, from this scrape or an earlier one.
  const pending = new Set<string>();

  async function statMount(mountpoint: string, signal: AbortSignal): Promise<StatfsResult> {
    if (pending.has(mountpoint)) {
      log.debug({ mountpoint }, 'mount point unresponsive, earlier statfs still pending; skipped');
      throw new Error('statfs still pending');
    }
    pending.add(mountpoint);
    let settled = false;
    let stuck = false;
    const call = statfsCall(`${root}${mountpoint}`);
    // Runs before `within` sees the outcome: handlers run in the order they were attached.
    const onSettled = (): void => {
      settled = true;
      pending.delete(mountpoint);
      if (stuck) log.info({ mountpoint }, 'mount point recovered, monitoring resumes');
    };
    void call.then(onSettled, onSettled);
    try {
      return await within(call, options.statfsTimeoutMs, signal);
    } catch (err) {
      if (!settled) {
        stuck = true;
        log.warn({ mountpoint, err }, 'statfs did not return; mount point skipped until it does');
      }
      throw err;
    }
  }

  return {
    name: 'filesystem',
    async collect(out: FamilySet, signal: AbortSignal) {
      // Like node_exporter: PID 1's mount namespace is the host's; fall back to our own.
      const text = tryReadProcFile(`${paths.procfs}/1/mounts`) ?? tryReadProcFile(`${paths.procfs}/self/mounts`);
      if (text === undefined) throw new Error('cannot read mounts');
      const mounts = parseMounts(text, options.mountPointsExclude, options.fsTypesExclude);
      // One call per mount point: it may be listed more than once (one mount over another).
      const calls = new Map<string, Promise<StatfsResult>>();
      for (const m of mounts) if (!calls.has(m.mountpoint)) calls.set(m.mountpoint, statMount(m.mountpoint, signal));
      const settled = new Map<string, PromiseSettledResult<StatfsResult>>();
      const mountpoints = [...calls.keys()];
      (await Promise.allSettled(calls.values())).forEach((r, i) => settled.set(mountpoints[i]!, r));
      for (const m of mounts) {
        const labels = { device: m.device, fstype: m.fstype, mountpoint: m.mountpoint };
        const result = settled.get(m.mountpoint)!;
        out.add(READONLY, m.readonly ? 1 : 0, labels);
        if (result.status === 'rejected') {
          out.add(DEVICE_ERROR, 1, labels);
          continue;
        }
        const s = result.value;
        const bsize = Number(s.bsize);
        out.add(SIZE, Number(s.blocks) * bsize, labels);
        out.add(FREE, Number(s.bfree) * bsize, labels);
        out.add(AVAIL, Number(s.bavail) * bsize, labels);
        out.add(FILES, Number(s.files), labels);
        out.add(FILES_FREE, Number(s.ffree), labels);
        out.add(DEVICE_ERROR, 0, labels);
      }
    },
  };
}
