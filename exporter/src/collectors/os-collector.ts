import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import { tryReadProcFile } from '../proc-file.ts';

const INFO = family(
  'node_os_info',
  'gauge',
  "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.",
);
const VERSION = family('node_os_version', 'gauge', 'Metric containing the major.minor part of the OS version.');

const KEYS = [
  'BUILD_ID', 'ID', 'ID_LIKE', 'IMAGE_ID', 'IMAGE_VERSION', 'NAME', 'PRETTY_NAME', 'VARIANT', 'VARIANT_ID',
  'VERSION', 'VERSION_CODENAME', 'VERSION_ID',
] as const;

/** Parses os-release(5): KEY=value lines, values optionally quoted with shell escapes. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m === null) continue;
    let value = m[2]!;
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    }
    out[m[1]!] = value;
  }
  return out;
}

/** Adds node_os_info and node_os_version (major.minor of VERSION_ID) as node_exporter's `os` collector does. */
export function addOsRelease(release: Record<string, string>, out: FamilySet): void {
  const labels: Record<string, string> = {};
  for (const key of KEYS) labels[key.toLowerCase()] = release[key] ?? '';
  out.add(INFO, 1, labels);
  const m = /^(\d+)(\.\d+)?/.exec(release.VERSION_ID ?? '');
  if (m !== null) {
    out.add(VERSION, Number(`${m[1]}${m[2] ?? ''}`), {
      id: release.ID ?? '',
      id_like: release.ID_LIKE ?? '',
      name: release.NAME ?? '',
    });
  }
}

/** node_exporter's `os` collector, reading /etc/os-release (falling back to /usr/lib/os-release). */
export function createOsCollector(paths: HostPaths): Collector {
  const root = paths.rootfs === '/' ? '' : paths.rootfs;
  return {
    name: 'os',
    collect(out: FamilySet) {
      const text = tryReadProcFile(`${root}/etc/os-release`) ?? tryReadProcFile(`${root}/usr/lib/os-release`);
      if (text === undefined) throw new Error('no os-release file');
      addOsRelease(parseOsRelease(text), out);
    },
  };
}
