import { readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import { tryReadProcFile } from '../proc-file.ts';

const TEMP = family('node_hwmon_temp_celsius', 'gauge', 'Hardware monitor for temperature (input)');
const TEMP_MAX = family('node_hwmon_temp_max_celsius', 'gauge', 'Hardware monitor for temperature (max)');
const TEMP_CRIT = family('node_hwmon_temp_crit_celsius', 'gauge', 'Hardware monitor for temperature (crit)');
const CHIP_NAMES = family('node_hwmon_chip_names', 'gauge', 'Annotation metric for human-readable chip names');
const SENSOR_LABEL = family('node_hwmon_sensor_label', 'gauge', 'Label for given chip and sensor');

// hwmon_linux.go cleanMetricName: lower case, anything outside [a-z0-9:_] becomes `_`, trimmed.
function clean(s: string): string {
  return s.trim().toLowerCase().replace(/[^a-z0-9:_]/g, '_').replace(/^_+|_+$/g, '');
}

/** node_exporter's stable chip name: `<bus>_<device>` from the device link, else the `name` file, else hwmonN. */
export function hwmonChipName(dir: string): string {
  try {
    const device = realpathSync(path.join(dir, 'device'));
    const name = clean(path.basename(device));
    const type = clean(path.basename(path.dirname(device)));
    if (type !== '' && name !== '') return `${type}_${name}`;
    if (name !== '') return name;
  } catch {
    // no device link: fall through to the name file
  }
  const name = clean(tryReadProcFile(path.join(dir, 'name')) ?? '');
  return name !== '' ? name : clean(path.basename(dir));
}

/** node_exporter's `hwmon` collector, temperatures only; hosts without /sys/class/hwmon give no samples. */
export function createHwmonCollector(paths: HostPaths): Collector {
  return {
    name: 'hwmon',
    collect(out: FamilySet) {
      const base = `${paths.sysfs}/class/hwmon`;
      let entries: string[];
      try {
        entries = readdirSync(base);
      } catch {
        return;
      }
      for (const entry of entries.sort()) {
        const dir = path.join(base, entry);
        const chip = hwmonChipName(dir);
        const chipName = tryReadProcFile(path.join(dir, 'name'))?.trim();
        if (chipName !== undefined) out.add(CHIP_NAMES, 1, { chip, chip_name: chipName });
        let files: string[];
        try {
          files = readdirSync(dir);
        } catch {
          continue;
        }
        for (const file of files.sort()) {
          const m = /^(temp\d+)_(input|max|crit|label)$/.exec(file);
          if (m === null) continue;
          const sensor = m[1]!;
          const raw = tryReadProcFile(path.join(dir, file))?.trim();
          if (raw === undefined || raw === '') continue;
          if (m[2] === 'label') {
            out.add(SENSOR_LABEL, 1, { chip, label: raw, sensor });
            continue;
          }
          const spec = m[2] === 'input' ? TEMP : m[2] === 'max' ? TEMP_MAX : TEMP_CRIT;
          out.add(spec, Number(raw) / 1000, { chip, sensor });
        }
      }
    },
  };
}
