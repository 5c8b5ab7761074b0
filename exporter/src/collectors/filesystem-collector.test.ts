import path from 'node:path';
import { createLogger } from '@sextant/log';
import { describe, expect, it } from 'vitest';
import { FamilySet } from '../family-set.ts';
import { createFilesystemCollector, DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE } from './filesystem-collector.ts';
import type { StatfsResult } from './filesystem-collector.ts';

const procfs = path.join(import.meta.dirname, '../../testdata/proc');
const paths = { procfs, sysfs: '/nonexistent', rootfs: '/' };
const log = createLogger({ level: 'silent' });
const STAT: StatfsResult = { bsize: 4096, blocks: 1000, bfree: 400, bavail: 300, files: 100, ffree: 60 };

function byMountpoint(out: FamilySet, name: string): Record<string, number> {
  return Object.fromEntries((out.families.get(name)?.samples ?? []).map((s) => [s.labels.mountpoint!, s.value]));
}

describe('filesystem collector', () => {
  it('keeps one statfs in flight for a hung mount, reports it as device_error=1 and resumes once it returns', async () => {
    const calls = new Map<string, number>();
    let release: ((s: StatfsResult) => void) | undefined;
    let hung: Promise<StatfsResult> | undefined;
    const statfs = (p: string): Promise<StatfsResult> => {
      calls.set(p, (calls.get(p) ?? 0) + 1);
      // Only the first call on the NFS mount hangs, like a server that comes back later.
      if (p !== '/mnt/nfs' || hung !== undefined) return Promise.resolve(STAT);
      hung = new Promise<StatfsResult>((resolve) => {
        release = resolve;
      });
      return hung;
    };
    const collector = createFilesystemCollector({
      paths,
      mountPointsExclude: new RegExp(DEFAULT_MOUNT_POINTS_EXCLUDE),
      fsTypesExclude: new RegExp(DEFAULT_FS_TYPES_EXCLUDE),
      statfsTimeoutMs: 10,
      log,
      statfs,
    });
    const scrape = async (): Promise<FamilySet> => {
      const out = new FamilySet();
      await collector.collect(out, new AbortController().signal);
      return out;
    };

    for (let i = 0; i < 5; i++) {
      const out = await scrape();
      expect(byMountpoint(out, 'node_filesystem_device_error')).toEqual({ '/': 0, '/mnt/nfs': 1, '/srv data': 0 });
      expect(byMountpoint(out, 'node_filesystem_size_bytes')).toEqual({ '/': 4096 * 1000, '/srv data': 4096 * 1000 });
      expect(byMountpoint(out, 'node_filesystem_readonly')).toEqual({ '/': 0, '/mnt/nfs': 0, '/srv data': 1 });
    }
    expect(calls.get('/mnt/nfs')).toBe(1);
    expect(calls.get('/')).toBe(5);

    // The hung call returns: the next scrape stats the mount again and reports it.
    release!(STAT);
    await hung;
    const out = await scrape();
    expect(calls.get('/mnt/nfs')).toBe(2);
    expect(byMountpoint(out, 'node_filesystem_device_error')).toEqual({ '/': 0, '/mnt/nfs': 0, '/srv data': 0 });
    expect(byMountpoint(out, 'node_filesystem_size_bytes')['/mnt/nfs']).toBe(4096 * 1000);
  });
});
