import { existsSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import type { FamilySpec, MetricType } from '../metric-family.ts';
import { tryReadProcFile } from '../proc-file.ts';

// Follows node_exporter 1.5's collector/hwmon_linux.go: which files count, how they are named,
// scaled and described. Checked against the real binary on a synthetic sysfs tree (hwmon-compat test).
const FILENAME = /^([^0-9]+)([0-9]*)?(?:_(.+))?$/;
const SENSOR_TYPES = new Set(['vrm', 'beep_enable', 'update_interval', 'in', 'cpu', 'fan', 'pwm', 'temp', 'curr', 'power', 'energy', 'humidity', 'intrusion']);

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

/** sensor (`temp1`) → element (`input`, `crit_alarm`, '' for a bare `pwm1`) → raw file content. */
type SensorData = Map<string, Map<string, string>>;

function collectSensorData(dir: string, data: SensorData): void {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return;
  }
  for (const file of files) {
    const m = FILENAME.exec(file);
    if (m === null || !SENSOR_TYPES.has(m[1]!)) continue;
    const raw = tryReadProcFile(path.join(dir, file));
    if (raw === undefined) continue;
    // A file without an index (`vrm`, `beep_enable`) is sensor 0, as node_exporter names it.
    const sensor = `${m[1]}${m[2] === undefined || m[2] === '' ? '0' : m[2]}`;
    let elements = data.get(sensor);
    if (elements === undefined) data.set(sensor, (elements = new Map<string, string>()));
    elements.set(m[3] ?? '', raw.trim());
  }
}

interface Reading {
  name: string;
  type: MetricType;
  help: string;
  value: number;
}

// One element of one sensor as node_exporter 1.5 writes it, or undefined when it skips it.
function reading(sensorType: string, element: string, value: number, hasBare: boolean): Reading | undefined {
  let name = sensorType;
  if (element === 'input') {
    if (hasBare) name += '_input';
  } else if (element !== '') {
    name += `_${clean(element)}`;
  }
  const gauge = (suffix: string, help: string, v: number): Reading => ({ name: `node_hwmon_${name}${suffix}`, type: 'gauge', help, value: v });
  if (element === 'fault' || element === 'alarm') return gauge('', `Hardware sensor ${element} status (${sensorType})`, value);
  if (element === 'beep') return gauge('_enabled', 'Hardware monitor sensor has beeping enabled', value);
  if (sensorType === 'in' || sensorType === 'cpu') return gauge('_volts', `Hardware monitor for voltage (${element})`, value * 0.001);
  if (sensorType === 'temp' && element !== 'type') {
    return gauge('_celsius', `Hardware monitor for temperature (${element === '' ? 'input' : element})`, value * 0.001);
  }
  if (sensorType === 'curr') return gauge('_amps', `Hardware monitor for current (${element})`, value * 0.001);
  if (sensorType === 'energy') {
    return { name: `node_hwmon_${name}_joule_total`, type: 'counter', help: `Hardware monitor for joules used so far (${element})`, value: value / 1_000_000 };
  }
  if (sensorType === 'power' && element === 'accuracy') return gauge('', 'Hardware monitor power meter accuracy, as a ratio', value / 1_000_000);
  if (sensorType === 'power' && /^average_interval(_min|_max)?$/.test(element)) {
    return gauge('_seconds', `Hardware monitor power usage update interval (${element})`, value * 0.001);
  }
  if (sensorType === 'power') return gauge('_watt', `Hardware monitor for power usage in watts (${element})`, value / 1_000_000);
  if (sensorType === 'humidity') {
    return gauge('', `Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the humidity as a percentage) (${element})`, value / 1_000_000);
  }
  if (sensorType === 'fan' && ['input', 'min', 'max', 'target'].includes(element)) {
    return gauge('_rpm', `Hardware monitor for fan revolutions per minute (${element})`, value);
  }
  return gauge('', `Hardware monitor ${sensorType} element ${element}`, value);
}

function specOf(specs: Map<string, FamilySpec>, r: Reading): FamilySpec {
  let spec = specs.get(r.name);
  if (spec === undefined) specs.set(r.name, (spec = family(r.name, r.type, r.help)));
  return spec;
}

function addChip(out: FamilySet, dir: string, specs: Map<string, FamilySpec>): void {
  const chip = hwmonChipName(dir);
  const data: SensorData = new Map();
  collectSensorData(dir, data);
  // Older drivers keep their sensor files in the device directory.
  if (existsSync(path.join(dir, 'device'))) collectSensorData(path.join(dir, 'device'), data);
  const chipName = tryReadProcFile(path.join(dir, 'name'))?.trim();
  if (chipName !== undefined) out.add(CHIP_NAMES, 1, { chip, chip_name: chipName });

  for (const [sensor, elements] of data) {
    const sensorType = FILENAME.exec(sensor)![1]!;
    const labels = { chip, sensor };
    const label = elements.get('label');
    if (label !== undefined) out.add(SENSOR_LABEL, 1, { chip, label, sensor });
    const bare = elements.get('');
    if (sensorType === 'beep_enable') {
      out.add(specOf(specs, { name: 'node_hwmon_beep_enabled', type: 'gauge', help: 'Hardware beep enabled', value: 0 }), bare === '1' ? 1 : 0, labels);
      continue;
    }
    if (sensorType === 'vrm' || sensorType === 'update_interval') {
      const value = Number(bare);
      if (bare === undefined || bare === '' || Number.isNaN(value)) continue;
      const r: Reading =
        sensorType === 'vrm'
          ? { name: 'node_hwmon_voltage_regulator_version', type: 'gauge', help: 'Hardware voltage regulator', value }
          : { name: 'node_hwmon_update_interval_seconds', type: 'gauge', help: 'Hardware monitor update interval', value: value * 0.001 };
      out.add(specOf(specs, r), r.value, labels);
      continue;
    }
    for (const [element, raw] of elements) {
      if (element === 'label' || raw === '') continue;
      const value = Number(raw);
      if (Number.isNaN(value)) continue;
      const r = reading(sensorType, element, value, bare !== undefined);
      if (r !== undefined) out.add(specOf(specs, r), r.value, labels);
    }
  }
}

/** node_exporter's `hwmon` collector; hosts without /sys/class/hwmon give no samples. */
export function createHwmonCollector(paths: HostPaths): Collector {
  const specs = new Map<string, FamilySpec>();
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
      for (const entry of entries.sort()) addChip(out, path.join(base, entry), specs);
    },
  };
}
