import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
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

/** Minimal text 0.0.4 reader for tests: TYPE lines and samples (no escapes inside label values needed here). */
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
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      fam(name!).type = type!;
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`cannot parse: ${line}`);
    const labels: Record<string, string> = {};
    for (const lm of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]!] = lm[2]!;
    fam(m[1]!).series.push({ labels, value: Number(m[3]) });
  }
  return out;
}
