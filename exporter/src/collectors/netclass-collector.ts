import { readdirSync } from 'node:fs';
import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import type { FamilySpec } from '../metric-family.ts';
import { tryReadProcFile } from '../proc-file.ts';

// sysfs attribute → node_exporter property name (netclass_linux.go); a property that cannot be read
// (e.g. `speed` on a down link answers EINVAL) is left out, as node_exporter does.
const PROPERTIES: readonly (readonly [string, string, 'counter' | 'gauge'])[] = [
  ['addr_assign_type', 'address_assign_type', 'gauge'],
  ['carrier', 'carrier', 'gauge'],
  ['carrier_changes', 'carrier_changes_total', 'counter'],
  ['carrier_up_count', 'carrier_up_changes_total', 'counter'],
  ['carrier_down_count', 'carrier_down_changes_total', 'counter'],
  ['dev_id', 'device_id', 'gauge'],
  ['dormant', 'dormant', 'gauge'],
  ['flags', 'flags', 'gauge'],
  ['ifindex', 'iface_id', 'gauge'],
  ['iflink', 'iface_link', 'gauge'],
  ['link_mode', 'iface_link_mode', 'gauge'],
  ['mtu', 'mtu_bytes', 'gauge'],
  ['name_assign_type', 'name_assign_type', 'gauge'],
  ['netdev_group', 'net_dev_group', 'gauge'],
  ['type', 'protocol_type', 'gauge'],
  ['tx_queue_len', 'transmit_queue_length', 'gauge'],
];

const PROPERTY_SPECS: readonly (readonly [string, FamilySpec])[] = PROPERTIES.map(([attr, prop, type]) => [
  attr,
  family(`node_network_${prop}`, type, `Network device property: ${prop}`),
]);
const SPEED = family('node_network_speed_bytes', 'gauge', 'Network device property: speed_bytes');
const UP = family('node_network_up', 'gauge', "Value is 1 if operstate is 'up', 0 otherwise.");
const INFO = family(
  'node_network_info',
  'gauge',
  'Non-numeric data from /sys/class/net/<iface>, value is always 1.',
);

function attr(dir: string, name: string): string | undefined {
  return tryReadProcFile(`${dir}/${name}`)?.trim();
}

/** node_exporter's `netclass` collector: per-interface properties from /sys/class/net. */
export function createNetclassCollector(paths: HostPaths): Collector {
  return {
    name: 'netclass',
    collect(out: FamilySet) {
      const base = `${paths.sysfs}/class/net`;
      for (const device of readdirSync(base).sort()) {
        const dir = `${base}/${device}`;
        const labels = { device };
        for (const [name, spec] of PROPERTY_SPECS) {
          const raw = attr(dir, name);
          // Hex attributes (flags, dev_id) are written as 0x…; Number() reads both forms.
          if (raw !== undefined && raw !== '') out.add(spec, Number(raw), labels);
        }
        const speed = attr(dir, 'speed');
        if (speed !== undefined && speed !== '') out.add(SPEED, (Number(speed) * 1_000_000) / 8, labels);
        const operstate = attr(dir, 'operstate') ?? '';
        out.add(UP, operstate === 'up' ? 1 : 0, labels);
        out.add(INFO, 1, {
          address: attr(dir, 'address') ?? '',
          broadcast: attr(dir, 'broadcast') ?? '',
          device,
          duplex: attr(dir, 'duplex') ?? '',
          ifalias: attr(dir, 'ifalias') ?? '',
          operstate,
        });
      }
    },
  };
}
