import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import type { FamilySpec } from '../metric-family.ts';
import { readProcFile, tryReadProcFile } from '../proc-file.ts';

/** node_exporter 1.5's default --collector.netstat.fields (Debian's binary prints the same). */
export const DEFAULT_NETSTAT_FIELDS =
  '^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$';

/** Protocol → field → raw value, as node_exporter's getNetStats/getSNMP6Stats return it. */
export type NetStats = Map<string, Map<string, string>>;

/**
 * Reads /proc/net/netstat or /proc/net/snmp: pairs of lines `Proto: names…` / `Proto: values…`.
 * A pair whose counts differ is an error, as in node_exporter.
 */
export function parseNetStats(text: string, into: NetStats = new Map()): NetStats {
  const lines = text.split('\n').filter((l) => l !== '');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.split(' ');
    const values = lines[i + 1]!.split(' ');
    const protocol = names[0]!.slice(0, -1);
    if (names.length !== values.length) throw new Error(`field count mismatch in ${protocol}`);
    const fields = new Map<string, string>();
    for (let j = 1; j < names.length; j++) fields.set(names[j]!, values[j]!);
    into.set(protocol, fields);
  }
  return into;
}

/** Reads /proc/net/snmp6 (`Ip6InOctets  123`): the protocol is the name up to and including its first `6`. */
export function parseSnmp6(text: string, into: NetStats = new Map()): NetStats {
  const parsed: NetStats = new Map();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key === undefined || value === undefined) continue;
    const six = key.indexOf('6');
    if (six < 0) continue;
    const protocol = key.slice(0, six + 1);
    let fields = parsed.get(protocol);
    if (fields === undefined) {
      fields = new Map();
      parsed.set(protocol, fields);
    }
    fields.set(key.slice(six + 1), value);
  }
  // node_exporter merges whole protocol maps, later files replacing earlier ones.
  for (const [protocol, fields] of parsed) into.set(protocol, fields);
  return into;
}

// Go's strconv.ParseFloat on what the kernel writes: signed decimal integers (Tcp MaxConn is -1).
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Picks the family for a `<Proto>_<Field>` key, or null when `fields` leaves it out; remembers each answer. */
export type NetstatSelector = (key: string, help: string) => FamilySpec | null;

/** A selector for `fields`: the regex runs once per key, not once per key per scrape. */
export function createNetstatSelector(fields: RegExp): NetstatSelector {
  const cache = new Map<string, FamilySpec | null>();
  return (key, help) => {
    let spec = cache.get(key);
    if (spec === undefined) {
      spec = fields.test(key) ? family(`node_netstat_${key}`, 'untyped', help) : null;
      cache.set(key, spec);
    }
    return spec;
  };
}

/** Adds untyped node_netstat_<Proto>_<Field> for every selected field; a non-numeric value fails the collector. */
export function addNetStats(stats: NetStats, select: NetstatSelector, out: FamilySet): void {
  for (const [protocol, values] of stats) {
    for (const [name, raw] of values) {
      if (!NUMBER.test(raw)) throw new Error(`invalid value ${raw} in netstats`);
      const spec = select(`${protocol}_${name}`, `Statistic ${protocol}${name}.`);
      if (spec !== null) out.add(spec, Number(raw));
    }
  }
}

export interface NetstatOptions {
  paths: HostPaths;
  /** Which `<Proto>_<Field>` keys to expose; default DEFAULT_NETSTAT_FIELDS. */
  fields: RegExp;
}

/** node_exporter's `netstat` collector (/proc/net/netstat, snmp, and snmp6 when IPv6 is on). */
export function createNetstatCollector(options: NetstatOptions): Collector {
  const net = `${options.paths.procfs}/net`;
  const select = createNetstatSelector(options.fields);
  return {
    name: 'netstat',
    collect(out: FamilySet) {
      const stats = parseNetStats(readProcFile(`${net}/netstat`));
      parseNetStats(readProcFile(`${net}/snmp`), stats);
      const snmp6 = tryReadProcFile(`${net}/snmp6`);
      if (snmp6 !== undefined) parseSnmp6(snmp6, stats);
      addNetStats(stats, select, out);
    },
  };
}
