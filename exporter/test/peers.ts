import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { DEFAULT_DISK_DEVICE_EXCLUDE } from '../src/collectors/diskstats-collector.ts';
import { DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE } from '../src/collectors/filesystem-collector.ts';

export const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
export const PROMTOOL = '/usr/bin/promtool';

// Upstream node_exporter defaults; Debian's package patches its own (it hides /mnt, /run and lo).
export const NODE_EXPORTER_UPSTREAM_ARGS = [
  `--collector.filesystem.mount-points-exclude=${DEFAULT_MOUNT_POINTS_EXCLUDE}`,
  `--collector.filesystem.fs-types-exclude=${DEFAULT_FS_TYPES_EXCLUDE}`,
  `--collector.diskstats.device-exclude=${DEFAULT_DISK_DEVICE_EXCLUDE}`,
  '--collector.netdev.device-exclude=^$',
];

/** A missing peer is a visible skip outside CI and a failure in CI (ARCHITECTURE.md, Testing). */
export function peerMissing(binary: string): boolean {
  const missing = !existsSync(binary);
  if (missing && process.env.CI === 'true') throw new Error(`${binary} is required in CI`);
  return missing;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200, at most `attempts` times within `ms`. */
export async function waitForHttp(url: string, attempts = 100, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < attempts && Date.now() < deadline; i++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become ready`);
}

/** node_exporter with the exclusions Sextant uses by default, so both see the same devices. */
export async function startNodeExporter(extraArgs: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`, ...extraArgs], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/metrics`);
  return { url, child };
}

export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
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
