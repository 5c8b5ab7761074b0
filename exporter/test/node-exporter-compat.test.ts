import type { ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '@sextant/config';
import { createLogger } from '@sextant/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exporterConfigSchema, startExporter } from '../src/index.ts';
import type { RunningExporter } from '../src/index.ts';
import { COMPAT_METRICS } from './compat-metrics.ts';
import { NODE_EXPORTER, NODE_EXPORTER_UPSTREAM_ARGS, parseText, startNodeExporter } from './peers.ts';
import { stopChild } from '@sextant/testkit/process';
import { allowedMissing, dashboardNodeNames } from './dashboard-names.ts';
import type { ParsedFamily } from './peers.ts';

const missing = NODE_EXPORTER === undefined;
const dashboardNames = dashboardNodeNames();


function labelNames(f: ParsedFamily): string[] {
  return [...new Set(f.series.flatMap((s) => Object.keys(s.labels).sort().join(',')))].sort();
}

function seriesKey(labels: Record<string, string>, keys: string[]): string {
  return keys.map((k) => labels[k] ?? '').join('|');
}

describe.skipIf(missing)('node_exporter compatibility (same host, same moment)', () => {
  let peer: { url: string; child: ChildProcess } | undefined;
  let sextant: RunningExporter | undefined;
  let ours = new Map<string, ParsedFamily>();
  let theirs = new Map<string, ParsedFamily>();
  let textfileDir = '';

  beforeAll(async () => {
    // Both read one textfile directory holding a good and a bad file.
    textfileDir = await mkdtemp(path.join(os.tmpdir(), 'sextant-compat-textfile-'));
    for (const name of ['good.prom', 'bad.prom']) {
      await cp(path.join(import.meta.dirname, '../testdata/textfile', name), path.join(textfileDir, name));
    }
    peer = await startNodeExporter([...NODE_EXPORTER_UPSTREAM_ARGS, `--collector.textfile.directory=${textfileDir}`]);
    const config = parseConfig(exporterConfigSchema, {
      EXPORTER_PORT: '0',
      LOG_LEVEL: 'silent',
      EXPORTER_TEXTFILE_DIRECTORY: textfileDir,
    });
    sextant = await startExporter({ config, log: createLogger({ level: 'silent' }) });
    const [a, b] = await Promise.all([
      fetch(`${sextant.url}/metrics`).then((r) => r.text()),
      fetch(`${peer.url}/metrics`).then((r) => r.text()),
    ]);
    ours = parseText(a);
    theirs = parseText(b);
  });

  afterAll(async () => {
    await sextant?.close();
    await stopChild(peer?.child);
    if (textfileDir !== '') await rm(textfileDir, { recursive: true, force: true });
  });

  it.each(COMPAT_METRICS)('%s: same type and label names', (name) => {
    const a = ours.get(name);
    const b = theirs.get(name);
    expect(b, `node_exporter lacks ${name} on this host`).toBeDefined();
    expect(a, `Sextant lacks ${name}`).toBeDefined();
    expect(a!.type).toBe(b!.type);
    expect(labelNames(a!)).toEqual(labelNames(b!));
  });

  it('exposes the same devices, mount points and CPUs', () => {
    const same = (name: string, keys: string[]): void => {
      const set = (m: Map<string, ParsedFamily>): string[] =>
        [...new Set(m.get(name)!.series.map((s) => seriesKey(s.labels, keys)))].sort();
      expect(set(ours), name).toEqual(set(theirs));
    };
    same('node_cpu_seconds_total', ['cpu', 'mode']);
    same('node_filesystem_size_bytes', ['device', 'mountpoint', 'fstype']);
    same('node_disk_read_bytes_total', ['device']);
    same('node_network_receive_bytes_total', ['device']);
    same('node_network_up', ['device']);
    same('node_softnet_processed_total', ['cpu']);
    same('node_udp_queues', ['ip', 'queue']);
    same('node_textfile_mtime_seconds', ['file']);
    // Whole families: every netstat field and sockstat state node_exporter finds, and no others.
    const names = (m: Map<string, ParsedFamily>, prefix: string): string[] => [...m.keys()].filter((n) => n.startsWith(prefix)).sort();
    expect(names(ours, 'node_netstat_')).toEqual(names(theirs, 'node_netstat_'));
    expect(names(ours, 'node_sockstat_')).toEqual(names(theirs, 'node_sockstat_'));
    expect(names(ours, 'node_softnet_')).toEqual(names(theirs, 'node_softnet_'));
  });

  it('exposes the textfile families exactly as node_exporter does, skipping the bad file', () => {
    const textfileNames = ['apt_upgrades_pending', 'node_reboot_required', 'node_textfile_mtime_seconds'];
    for (const suffix of ['_bucket', '_sum', '_count']) textfileNames.push(`backup_duration_seconds${suffix}`);
    expect(ours.get('backup_duration_seconds')?.type).toBe('histogram');
    expect(theirs.get('backup_duration_seconds')?.type).toBe('histogram');
    for (const name of textfileNames) {
      expect(theirs.get(name)?.series.length ?? 0, name).toBeGreaterThan(0);
      const sorted = (m: Map<string, ParsedFamily>): ParsedFamily | undefined => {
        const f = m.get(name);
        return f && { type: f.type, series: [...f.series].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) };
      };
      expect(sorted(ours), name).toEqual(sorted(theirs));
    }
    expect(ours.get('node_textfile_scrape_error')!.series[0]!.value).toBe(1);
    expect(theirs.get('node_textfile_scrape_error')!.series[0]!.value).toBe(1);
    expect(ours.has('broken')).toBe(false);
  });

  it.skipIf(dashboardNames === undefined)('exposes every Node Exporter Full name node_exporter has here, but the allow-list', () => {
    const lacking = [...dashboardNames!].filter((n) => theirs.has(n) && !ours.has(n) && !allowedMissing(n)).sort();
    expect(lacking).toEqual([]);
  });

  it('agrees on values within tolerances', () => {
    const value = (m: Map<string, ParsedFamily>, name: string, match: Record<string, string> = {}): number => {
      const s = m.get(name)!.series.find((x) => Object.entries(match).every(([k, v]) => x.labels[k] === v));
      if (s === undefined) throw new Error(`${name} ${JSON.stringify(match)} missing`);
      return s.value;
    };
    const close = (name: string, rel: number, abs: number, match?: Record<string, string>): void => {
      const a = value(ours, name, match);
      const b = value(theirs, name, match);
      expect(Math.abs(a - b), `${name} ${JSON.stringify(match ?? {})}: ${a} vs ${b}`).toBeLessThanOrEqual(
        Math.max(Math.abs(b) * rel, abs),
      );
    };
    expect(value(ours, 'node_memory_MemTotal_bytes')).toBe(value(theirs, 'node_memory_MemTotal_bytes'));
    expect(value(ours, 'node_memory_SwapTotal_bytes')).toBe(value(theirs, 'node_memory_SwapTotal_bytes'));
    expect(value(ours, 'node_boot_time_seconds')).toBe(value(theirs, 'node_boot_time_seconds'));
    close('node_memory_MemAvailable_bytes', 0.02, 64 << 20);
    for (const s of theirs.get('node_cpu_seconds_total')!.series) {
      close('node_cpu_seconds_total', 0.02, 1, s.labels);
    }
    for (const s of theirs.get('node_filesystem_size_bytes')!.series) {
      close('node_filesystem_size_bytes', 0, 0, s.labels);
      close('node_filesystem_avail_bytes', 0.01, 64 << 20, s.labels);
    }
    for (const s of theirs.get('node_disk_read_bytes_total')!.series) {
      close('node_disk_read_bytes_total', 0.02, 16 << 20, s.labels);
      close('node_disk_written_bytes_total', 0.02, 64 << 20, s.labels);
    }
    for (const s of theirs.get('node_network_receive_bytes_total')!.series) {
      close('node_network_receive_bytes_total', 0.02, 1 << 20, s.labels);
      close('node_network_transmit_bytes_total', 0.02, 1 << 20, s.labels);
    }
    close('node_load1', 0, 0.5);
    close('node_time_seconds', 0, 5);
    close('node_filefd_maximum', 0, 0);
    close('node_netstat_Ip_Forwarding', 0, 0);
    close('node_netstat_Tcp_ActiveOpens', 0, 200);
    close('node_sockstat_TCP_inuse', 0, 20);
    close('node_sockstat_sockets_used', 0, 40);
    close('node_softnet_processed_total', 0.02, 5000, { cpu: '0' });
    const uname = (m: Map<string, ParsedFamily>): Record<string, string> => m.get('node_uname_info')!.series[0]!.labels;
    expect(uname(ours)).toEqual(uname(theirs));
    const os = (m: Map<string, ParsedFamily>): Record<string, string> => m.get('node_os_info')!.series[0]!.labels;
    expect(os(ours)).toEqual(os(theirs));
  });

  it('answers OpenMetrics with gzip when asked, text 0.0.4 otherwise', async () => {
    const om = await fetch(`${sextant!.url}/metrics`, {
      headers: {
        accept: 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
        'accept-encoding': 'gzip',
      },
    });
    expect(om.status).toBe(200);
    expect(om.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.headers.get('content-encoding')).toBe('gzip');
    const body = await om.text();
    expect(body).toContain('# TYPE node_cpu_seconds counter\n');
    expect(body.endsWith('# EOF\n')).toBe(true);
    const text = await fetch(`${sextant!.url}/metrics`);
    expect(text.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await text.text()).toContain('# TYPE node_cpu_seconds_total counter\n');
    expect((await fetch(`${sextant!.url}/healthz`)).status).toBe(200);
  });
});

if (missing) {
  describe('node_exporter compatibility', () => {
    it.skip(`skipped: ${NODE_EXPORTER} is not installed`, () => undefined);
  });
}
