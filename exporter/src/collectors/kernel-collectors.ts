import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import type { FamilySpec } from '../metric-family.ts';
import { readProcFile, tryReadProcFile } from '../proc-file.ts';

// Small single-file collectors from /proc/sys and /proc/vmstat, named as node_exporter's.

const FILEFD_ALLOCATED = family('node_filefd_allocated', 'gauge', 'File descriptor statistics: allocated.');
const FILEFD_MAXIMUM = family('node_filefd_maximum', 'gauge', 'File descriptor statistics: maximum.');

/** node_exporter's `filefd` collector (/proc/sys/fs/file-nr). */
export function createFilefdCollector(paths: HostPaths): Collector {
  return {
    name: 'filefd',
    collect(out: FamilySet) {
      const [allocated, , maximum] = readProcFile(`${paths.procfs}/sys/fs/file-nr`).trim().split(/\s+/);
      out.add(FILEFD_ALLOCATED, Number(allocated));
      out.add(FILEFD_MAXIMUM, Number(maximum));
    },
  };
}

// node_exporter's default --collector.vmstat.fields.
const VMSTAT_FIELDS = /^(oom_kill|pgpg|pswp|pg.*fault).*/;
const vmstatSpecs = new Map<string, FamilySpec>();

/** Adds the default /proc/vmstat fields as untyped node_vmstat_<field>, as node_exporter does. */
export function parseVmstat(text: string, out: FamilySet): void {
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const field = line.slice(0, sp);
    if (!VMSTAT_FIELDS.test(field)) continue;
    let spec = vmstatSpecs.get(field);
    if (spec === undefined) {
      spec = family(`node_vmstat_${field}`, 'untyped', `/proc/vmstat information field ${field}.`);
      vmstatSpecs.set(field, spec);
    }
    out.add(spec, Number(line.slice(sp + 1)));
  }
}

/** node_exporter's `vmstat` collector. */
export function createVmstatCollector(paths: HostPaths): Collector {
  return { name: 'vmstat', collect: (out) => parseVmstat(readProcFile(`${paths.procfs}/vmstat`), out) };
}

const ENTROPY_AVAILABLE = family('node_entropy_available_bits', 'gauge', 'Bits of available entropy.');
const ENTROPY_POOL = family('node_entropy_pool_size_bits', 'gauge', 'Bits of entropy pool.');

/** node_exporter's `entropy` collector. */
export function createEntropyCollector(paths: HostPaths): Collector {
  return {
    name: 'entropy',
    collect(out: FamilySet) {
      const dir = `${paths.procfs}/sys/kernel/random`;
      out.add(ENTROPY_AVAILABLE, Number(readProcFile(`${dir}/entropy_avail`)));
      const pool = tryReadProcFile(`${dir}/poolsize`);
      if (pool !== undefined) out.add(ENTROPY_POOL, Number(pool));
    },
  };
}

const CONNTRACK_ENTRIES = family(
  'node_nf_conntrack_entries',
  'gauge',
  'Number of currently allocated flow entries for connection tracking.',
);
const CONNTRACK_LIMIT = family(
  'node_nf_conntrack_entries_limit',
  'gauge',
  'Maximum size of connection tracking table.',
);

/** node_exporter's `conntrack` collector (entries and limit only); nothing when netfilter is not loaded. */
export function createConntrackCollector(paths: HostPaths): Collector {
  return {
    name: 'conntrack',
    collect(out: FamilySet) {
      const dir = `${paths.procfs}/sys/net/netfilter`;
      const count = tryReadProcFile(`${dir}/nf_conntrack_count`);
      const max = tryReadProcFile(`${dir}/nf_conntrack_max`);
      if (count !== undefined) out.add(CONNTRACK_ENTRIES, Number(count));
      if (max !== undefined) out.add(CONNTRACK_LIMIT, Number(max));
    },
  };
}

const ARP_ENTRIES = family('node_arp_entries', 'gauge', 'ARP entries by device');

/** node_exporter's `arp` collector (/proc/net/arp, entries per device). */
export function createArpCollector(paths: HostPaths): Collector {
  return {
    name: 'arp',
    collect(out: FamilySet) {
      const counts = new Map<string, number>();
      const lines = readProcFile(`${paths.procfs}/net/arp`).split('\n').slice(1);
      for (const line of lines) {
        const device = line.trim().split(/\s+/)[5];
        if (device !== undefined) counts.set(device, (counts.get(device) ?? 0) + 1);
      }
      for (const [device, n] of counts) out.add(ARP_ENTRIES, n, { device });
    },
  };
}
