import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import type { FamilySpec } from '../metric-family.ts';
import { readProcFile, tryReadProcFile } from '../proc-file.ts';

// /proc/net/dev columns in order; node_exporter names them `<direction>_<column>`.
const COLUMNS = [
  'receive_bytes', 'receive_packets', 'receive_errs', 'receive_drop', 'receive_fifo', 'receive_frame',
  'receive_compressed', 'receive_multicast',
  'transmit_bytes', 'transmit_packets', 'transmit_errs', 'transmit_drop', 'transmit_fifo', 'transmit_colls',
  'transmit_carrier', 'transmit_compressed',
] as const;

function spec(stat: string): FamilySpec {
  return { name: `node_network_${stat}_total`, type: 'counter', help: `Network device statistic ${stat}.` };
}

const SPECS = COLUMNS.map(spec);
const NOHANDLER = spec('receive_nohandler');

/** Adds node_network_*_total from /proc/net/dev; `sysfs` (when given) adds receive_nohandler like netlink does. */
export function parseNetDev(text: string, exclude: RegExp | undefined, out: FamilySet, sysfs?: string): void {
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const device = line.slice(0, colon).trim();
    if (exclude?.test(device) === true) continue;
    const f = line.slice(colon + 1).trim().split(/\s+/);
    const labels = { device };
    for (let i = 0; i < SPECS.length; i++) out.add(SPECS[i]!, Number(f[i] ?? 0), labels);
    if (sysfs !== undefined) {
      const nohandler = tryReadProcFile(`${sysfs}/class/net/${device}/statistics/rx_nohandler`);
      if (nohandler !== undefined) out.add(NOHANDLER, Number(nohandler), labels);
    }
  }
}

export interface NetdevOptions {
  paths: HostPaths;
  /** Devices to leave out; node_exporter's upstream default excludes none. */
  deviceExclude: RegExp | undefined;
}

/** node_exporter's `netdev` collector. */
export function createNetdevCollector(options: NetdevOptions): Collector {
  const { paths } = options;
  return {
    name: 'netdev',
    collect: (out) => parseNetDev(readProcFile(`${paths.procfs}/net/dev`), options.deviceExclude, out, paths.sysfs),
  };
}
