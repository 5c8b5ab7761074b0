import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import type { FamilySpec } from '../metric-family.ts';
import { readProcFile, tryReadProcFile } from '../proc-file.ts';

const SOCKETS_USED = family('node_sockstat_sockets_used', 'gauge', 'Number of IPv4 sockets in use.');
// The keys node_exporter (procfs NetSockstat) knows, in its output order; others are ignored.
const KEYS = ['inuse', 'orphan', 'tw', 'alloc', 'mem', 'memory'] as const;
const specs = new Map<string, FamilySpec>();

function add(out: FamilySet, protocol: string, state: string, value: number): void {
  const name = `node_sockstat_${protocol}_${state}`;
  let spec = specs.get(name);
  if (spec === undefined) {
    spec = family(name, 'gauge', `Number of ${protocol} sockets in state ${state}.`);
    specs.set(name, spec);
  }
  out.add(spec, value);
}

function integer(text: string | undefined): number {
  if (text === undefined || !/^[+-]?\d+$/.test(text)) throw new Error(`invalid sockstat value ${text}`);
  return Number(text);
}

/**
 * Adds node_sockstat_* from /proc/net/sockstat or sockstat6 (`TCP: inuse 11 orphan 0 …`):
 * `<PROTO>_<key>` gauges, `<PROTO>_mem_bytes` = mem pages × `pageSize`, and `sockets_used`.
 */
export function parseSockstat(text: string, pageSize: number, out: FamilySet): void {
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const protocol = line.slice(0, colon);
    const kv = line.slice(colon + 1).trim().split(/\s+/);
    if (kv.length % 2 !== 0) throw new Error(`odd number of fields in sockstat line ${protocol}`);
    const values = new Map<string, number>();
    for (let i = 0; i < kv.length; i += 2) values.set(kv[i]!, integer(kv[i + 1]));
    if (protocol === 'sockets') {
      const used = values.get('used');
      if (used !== undefined) out.add(SOCKETS_USED, used);
      continue;
    }
    for (const key of KEYS) {
      const v = values.get(key);
      if (v !== undefined) add(out, protocol, key, v);
    }
    const mem = values.get('mem');
    if (mem !== undefined) add(out, protocol, 'mem_bytes', mem * pageSize);
  }
}

const AT_PAGESZ = 6n;

/**
 * The kernel's page size from the AT_PAGESZ entry of /proc/self/auxv (pairs of native 64-bit words),
 * which is what Go's os.Getpagesize() returns; 4096 when it cannot be read.
 */
export function readPageSize(procfs: string): number {
  try {
    const auxv = readFileSync(`${procfs}/self/auxv`);
    const le = endianness() === 'LE';
    for (let off = 0; off + 16 <= auxv.length; off += 16) {
      const type = le ? auxv.readBigUInt64LE(off) : auxv.readBigUInt64BE(off);
      if (type === AT_PAGESZ) return Number(le ? auxv.readBigUInt64LE(off + 8) : auxv.readBigUInt64BE(off + 8));
    }
  } catch {
    // Fall through to the common page size.
  }
  return 4096;
}

export interface SockstatOptions {
  paths: HostPaths;
  /** Bytes per page for `_mem_bytes` (node_exporter uses os.Getpagesize()). */
  pageSize: number;
}

/** node_exporter's `sockstat` collector; sockstat6 is optional (IPv6 off). */
export function createSockstatCollector(options: SockstatOptions): Collector {
  const net = `${options.paths.procfs}/net`;
  return {
    name: 'sockstat',
    collect(out: FamilySet) {
      parseSockstat(readProcFile(`${net}/sockstat`), options.pageSize, out);
      const v6 = tryReadProcFile(`${net}/sockstat6`);
      if (v6 !== undefined) parseSockstat(v6, options.pageSize, out);
    },
  };
}
