import os from 'node:os';
import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import { tryReadProcFile } from '../proc-file.ts';

const UNAME = family('node_uname_info', 'gauge', 'Labeled system information as provided by the uname system call.');

/** node_exporter's `uname` collector; Node Exporter Full's host variables come from this. */
export function createUnameCollector(paths: HostPaths): Collector {
  return {
    name: 'uname',
    collect(out: FamilySet) {
      out.add(UNAME, 1, {
        domainname: tryReadProcFile(`${paths.procfs}/sys/kernel/domainname`)?.trim() ?? '(none)',
        machine: os.machine(),
        nodename: os.hostname(),
        release: os.release(),
        sysname: os.type(),
        version: os.version(),
      });
    },
  };
}
