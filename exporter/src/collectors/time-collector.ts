import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import { tryReadProcFile } from '../proc-file.ts';

const TIME = family('node_time_seconds', 'gauge', 'System time in seconds since epoch (1970).');
const ZONE = family('node_time_zone_offset_seconds', 'gauge', 'System time zone offset in seconds.');
const AVAILABLE = family(
  'node_time_clocksource_available_info',
  'gauge',
  "Available clocksources read from '/sys/devices/system/clocksource'.",
);
const CURRENT = family(
  'node_time_clocksource_current_info',
  'gauge',
  "Current clocksource read from '/sys/devices/system/clocksource'.",
);

// Go's time.Zone() gives the abbreviation ("UTC", "EST"); Intl's short name is the closest equivalent.
function zoneName(now: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(now)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? 'UTC';
}

/**
 * node_exporter's `time` collector: wall clock, zone offset, clocksources. `now` is the clock
 * (default `new Date()`); tests pass one to cross a DST change.
 */
export function createTimeCollector(paths: HostPaths, now: () => Date = () => new Date()): Collector {
  // The zone's name changes with its offset at DST (EST ↔ EDT), so it is looked up per scrape.
  // Formatting costs ~0.1 ms, so names are cached by offset, of which a zone has a handful.
  const names = new Map<number, string>();
  return {
    name: 'time',
    collect(out: FamilySet) {
      const date = now();
      const offsetSeconds = -date.getTimezoneOffset() * 60;
      let zone = names.get(offsetSeconds);
      if (zone === undefined) {
        zone = zoneName(date);
        names.set(offsetSeconds, zone);
      }
      out.add(TIME, date.getTime() / 1000);
      out.add(ZONE, offsetSeconds, { time_zone: zone });
      const dir = `${paths.sysfs}/devices/system/clocksource/clocksource0`;
      const available = tryReadProcFile(`${dir}/available_clocksource`)?.trim().split(/\s+/) ?? [];
      for (const clocksource of available) if (clocksource !== '') out.add(AVAILABLE, 1, { clocksource, device: '0' });
      const current = tryReadProcFile(`${dir}/current_clocksource`)?.trim();
      if (current !== undefined && current !== '') out.add(CURRENT, 1, { clocksource: current, device: '0' });
    },
  };
}
