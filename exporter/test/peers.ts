import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { parsePrometheusText } from '@sextant/exposition';
import { findPeer, freePort, stopChild, waitForHttp } from '@sextant/testkit/process';
import { DEFAULT_DISK_DEVICE_EXCLUDE } from '../src/collectors/diskstats-collector.ts';
import { DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE } from '../src/collectors/filesystem-collector.ts';

/** Debian's node_exporter 1.5 and promtool, or undefined (a visible skip; a failure in CI). */
export const NODE_EXPORTER = findPeer('node_exporter', ['/usr/bin/prometheus-node-exporter']);
export const PROMTOOL = findPeer('promtool', ['/usr/bin/promtool']);

// Upstream node_exporter defaults; Debian's package patches its own (it hides /mnt, /run and lo).
export const NODE_EXPORTER_UPSTREAM_ARGS = [
  `--collector.filesystem.mount-points-exclude=${DEFAULT_MOUNT_POINTS_EXCLUDE}`,
  `--collector.filesystem.fs-types-exclude=${DEFAULT_FS_TYPES_EXCLUDE}`,
  `--collector.diskstats.device-exclude=${DEFAULT_DISK_DEVICE_EXCLUDE}`,
  '--collector.netdev.device-exclude=^$',
];

/** node_exporter with the exclusions Sextant uses by default, so both see the same devices. */
export async function startNodeExporter(extraArgs: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  if (NODE_EXPORTER === undefined) throw new Error('node_exporter is not installed');
  const child = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`, ...extraArgs], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/metrics`);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { url, child };
}

export interface ParsedFamily {
  type: string;
  series: { labels: Record<string, string>; value: number }[];
}

/** Text 0.0.4 families for tests, by sample name: the TYPE declared for that name and its series. */
export function parseText(text: string): Map<string, ParsedFamily> {
  const out = new Map<string, ParsedFamily>();
  const fam = (name: string): ParsedFamily => {
    let f = out.get(name);
    if (f === undefined) {
      f = { type: 'untyped', series: [] };
      out.set(name, f);
    }
    return f;
  };
  const { families, samples } = parsePrometheusText(text);
  for (const f of families) fam(f.name).type = f.type;
  for (const s of samples) {
    const { __name__: _, ...labels } = s.labels;
    fam(s.name).series.push({ labels, value: s.value });
  }
  return out;
}
